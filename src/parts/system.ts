// System figures for health (temperature, load, memory, disk), sampled off the scan path.
import { startSystemSampler } from '../uplink/system.ts';
import type { Part } from './part.ts';

export const systemPart: Part = {
  name: 'system',
  settings: ['data_dir'],
  start(ctx) {
    const system = startSystemSampler({
      dataDir: ctx.settings.data_dir,
      intervalMs: 30_000,
      logger: ctx.logger.child({ part: 'system' }),
    });
    ctx.provide('system', system);
    return { stop: () => system.stop() };
  },
};
