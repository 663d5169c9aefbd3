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
    if (settings.uplink.url !== null) {
      // Accepted by the schema so a provisioned box keeps its setting, but not built yet (DESIGN §8):
      // say so rather than let ops believe the box reports to them.
      log.warn('ops uplink is not available in this version; uplink.url is ignored', {
        uplink_url: settings.uplink.url.replace(/\/\/[^@/]*@/, '//'),
      });
    }
    return {
      stop() {
        for (const f of off) f();
        health.stop();
      },
    };
  },
};
