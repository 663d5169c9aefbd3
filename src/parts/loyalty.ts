// Loyalty (DESIGN §2–§5): the provider, the durable outbox and the till's loyalty ops.
import { startLoyalty } from '../loyalty/service.ts';
import type { Part } from './part.ts';

export const loyaltyPart: Part = {
  name: 'loyalty',
  settings: ['provider', 'outbox', 'loyalty'],
  uses: ['router', 'scans'],
  async start(ctx) {
    const loyalty = await startLoyalty({
      settings: ctx.settings,
      router: ctx.router,
      scans: ctx.scans,
      publish: ctx.publish,
      logger: ctx.logger.child({ part: 'loyalty' }),
      onHealthChange: () => ctx.bus.emit('loyalty', undefined),
      onProviderCall: (call, seconds, code) => ctx.bus.emit('provider', { call, seconds, code }),
    });
    ctx.provide('loyalty', loyalty);
    return { stop: () => loyalty.stop() };
  },
};
