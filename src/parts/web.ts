// The web part (DESIGN §7): the status page, the technician area and their live feed, on fastify,
// over the running parts. Told on the bus when devices, the link or the outbox change.
import { HOLD_LIMIT_MS } from '../mqtt/requests.ts';
import type { WebContext } from '../web/context.ts';
import { startWeb } from '../web/index.ts';
import { liveView } from './live-view.ts';
import type { Part } from './part.ts';

export const webPart: Part = {
  name: 'web',
  settings: ['http'],
  uses: ['scans'], // the live test scan listens on the pipeline
  async start(ctx) {
    // A live view: every other service is read from the context at each use, so a part restarted
    // to apply settings (loyalty, uplink, the broker) is the new one here too, and the technician's
    // page and its event stream stay up while it restarts.
    const view: WebContext = liveView(ctx, ['config', 'broker', 'devices', 'loyalty', 'uplink'], {
      logger: ctx.logger.child({ part: 'http' }),
      scans: ctx.scans,
      loyaltyReady: () => ctx.whenProvided('loyalty', HOLD_LIMIT_MS),
      health: () => ctx.health(),
      inventory: () => ctx.inventory.current(),
      metrics: () => ctx.metrics.render(),
      host: ctx.webHost,
      applying: () => ctx.applying,
    });
    const web = await startWeb(
      view,
      // http.host is honoured in demo mode too: an unclaimed box is claimed from a phone on the shop
      // LAN (the systemd unit sets 0.0.0.0). That is safe where anonymous MQTT would not be: every
      // write needs the technician's login, and claiming needs the setup code from the journal.
      // Demo mode's anonymous MQTT stays on loopback (the broker part).
      { host: ctx.settings.http.host, port: ctx.settings.http.port },
    );
    ctx.provide('web', web);
    const off = [
      ctx.bus.on('devices', () => web.changed()),
      ctx.bus.on('loyalty', () => web.changed()),
      ctx.bus.on('applied', () => web.changed()),
    ];
    return {
      async stop() {
        for (const f of off) f();
        await web.close();
      },
      ready: { http_port: web.port },
    };
  },
};
