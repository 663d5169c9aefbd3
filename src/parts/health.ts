// `gateway/health` (DESIGN §3): republished when devices or loyalty change and on an interval.
import { type HealthDocument, startHealthPublisher } from '../uplink/health.ts';
import type { Part } from './part.ts';

export const healthPart: Part = {
  name: 'health',
  settings: ['uplink.health_interval_s'],
  start(ctx) {
    const { settings } = ctx;
    const log = ctx.logger.child({ part: 'health' });
    // While parts restart to apply settings, what they show is the last document before; the
    // `applied` event publishes the fresh one.
    let last: HealthDocument | undefined;
    const document = () => {
      if (!ctx.applying || !last) last = ctx.health();
      return last;
    };
    const changed = () => {
      if (!ctx.applying) health.changed();
    };
    const health = startHealthPublisher({
      document,
      publish: async (doc) => {
        await ctx.publish('health', doc);
        ctx.bus.emit('health', doc);
      },
      intervalMs: settings.uplink.health_interval_s * 1000,
      logger: log,
    });
    const off = [
      ctx.bus.on('devices', changed),
      ctx.bus.on('loyalty', changed),
      ctx.bus.on('applied', () => health.changed()),
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
