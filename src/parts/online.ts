// Open for business, last in the list: `online`, after the catalogue (the info part). It
// stops first: requests are refused from then on (before the outbox closes) and `offline` is
// published while the broker still runs. Never restarted by applying settings: a till sees
// `offline` only when the whole gateway stops or restarts.
import { stateDocument } from '../mqtt/gateway-documents.ts';
import type { Part } from './part.ts';

export const onlinePart: Part = {
  name: 'online',
  async start(ctx) {
    await ctx.publish('state', stateDocument('online'));
    return {
      async stop() {
        ctx.router.close();
        await ctx.publish('state', stateDocument('offline'));
      },
    };
  },
};
