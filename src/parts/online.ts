// Open for business, last in the list: the retained catalogue (`gateway/info`) and `online`. It
// stops first: requests are refused from then on (before the outbox closes) and `offline` is
// published while the broker still runs.
import { infoDocument, stateDocument } from '../mqtt/gateway-documents.ts';
import type { Part } from './part.ts';

export const onlinePart: Part = {
  name: 'online',
  async start(ctx) {
    // aedes keeps retained messages in memory only: the catalogue is republished at every start.
    await ctx.publish('info', infoDocument(ctx.settings, ctx.demo));
    await ctx.publish('state', stateDocument('online'));
    return {
      async stop() {
        ctx.router.close();
        await ctx.publish('state', stateDocument('offline'));
      },
    };
  },
};
