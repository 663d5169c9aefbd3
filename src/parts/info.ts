// The retained catalogue `gateway/info` (DESIGN §3): version, schema, and this box's settings
// without secrets. It shows every setting, so it restarts (republishes) after every apply; aedes
// keeps retained messages in memory only, so it is published at every start too.
import { infoDocument } from '../mqtt/gateway-documents.ts';
import type { Part } from './part.ts';

export const infoPart: Part = {
  name: 'info',
  settings: ['*'],
  async start(ctx) {
    await ctx.publish('info', infoDocument(ctx.settings, ctx.demo));
    return {};
  },
};
