// "Restarted after a crash" (DESIGN §8 events): a marker in the data directory while the gateway
// runs. Right after the data directory in the list, so it stops last: the marker is removed only
// when every other part stopped cleanly.
import { markRunning } from '../uplink/run-marker.ts';
import type { Part } from './part.ts';

export const runMarkerPart: Part = {
  name: 'run-marker',
  settings: ['data_dir'],
  start(ctx) {
    const run = markRunning(ctx.settings.data_dir);
    if (run.previous) {
      ctx.logger.child({ part: 'run-marker' }).warn('the previous run did not stop cleanly', {
        previous: run.previous,
      });
    }
    ctx.provide('run', run);
    return { stop: () => run.clear() };
  },
};
