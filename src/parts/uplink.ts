// The ops uplink (DESIGN §8): this box on the central broker — state with Last Will, every health
// the till gets (from the bus), alarms derived from them, the crash of the previous run. Never in
// the till's way: nothing here is awaited on a till's path, and a broker that is away only means
// retries in the background.
import { startUplink } from '../uplink/uplink.ts';
import { VERSION } from '../version.ts';
import type { Part } from './part.ts';

export const uplinkPart: Part = {
  name: 'uplink',
  // Its alarms watch the outbox against these watermarks (uplink/alarms).
  settings: ['uplink', 'outbox.max_depth', 'outbox.warn_depth', 'outbox.warn_age_s'],
  uses: ['run'],
  start(ctx, handover) {
    const uplink = startUplink({
      settings: ctx.settings,
      version: VERSION,
      logger: ctx.logger.child({ part: 'uplink' }),
      // Restarted in-process to apply settings: the crash before this run was reported already.
      previousRun: handover === undefined ? ctx.run.previous : null,
    });
    ctx.provide('uplink', uplink);
    const off = ctx.bus.on('health', (doc) => uplink.health(doc));
    return {
      async stop() {
        off();
        await uplink.stop();
        return { restarted: true };
      },
    };
  },
};
