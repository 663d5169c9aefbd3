// `gateway/health` (DESIGN §3): republished when devices or loyalty change and on an interval.
import { startHealthPublisher } from '../uplink/health.ts';
import type { Part } from './part.ts';

export const healthPart: Part = {
  name: 'health',
  start(ctx) {
    const { settings } = ctx;
    const log = ctx.logger.child({ part: 'health' });
    const health = startHealthPublisher({
      document: () => ctx.health(),
      publish: async (doc) => {
        await ctx.publish('health', doc);
        ctx.bus.emit('health', doc);
      },
      intervalMs: settings.uplink.health_interval_s * 1000,
      logger: log,
    });
    const off = [
      ctx.bus.on('devices', () => health.changed()),
      ctx.bus.on('loyalty', () => health.changed()),
    ];
    health.changed();
    return {
      stop() {
        for (const f of off) f();
        health.stop();
      },
    };
  },
};
