// The web part (DESIGN §7, issue 9): one call from the composition root builds the status page,
// the technician area and their live feed over the running parts, and serves them.
import type { FastifyInstance } from 'fastify';
import { announceSetupCode, authRoutes, isClaimed } from './auth.ts';
import { sessionKey } from './box-secrets.ts';
import type { WebContext } from './context.ts';
import { createHistory } from './history.ts';
import { createLiveHub } from './live.ts';
import { provisionRoutes } from './provision.ts';
import { publicScan, technicianScan } from './scan-view.ts';
import { createWebServer } from './server.ts';
import { statusDocument } from './status.ts';
import { statusRoutes } from './status-routes.ts';
import { toolRoutes } from './tools.ts';

export interface Web {
  readonly port: number;
  readonly app: FastifyInstance;
  /** Something the page shows changed (devices, link, outbox). */
  changed(): void;
  close(): Promise<void>;
}

const SAMPLE_MS = 10_000;

export async function startWeb(ctx: WebContext, listen: { host: string; port: number }): Promise<Web> {
  const dataDir = ctx.config.dataDir;
  let claimed = await isClaimed(ctx);
  const history = createHistory();
  let last: ReturnType<typeof statusDocument> | undefined;
  const status = () => {
    // The restarting parts cannot be asked; the status from just before stands in for the moment.
    if (ctx.applying?.() && last) return last;
    const doc = statusDocument(ctx, claimed);
    last = doc;
    // Sampled with every status built anyway (at most once a second), so the chart shows a
    // provider answer at once rather than at the next slow sample.
    const { cloud, outbox } = doc.health;
    history.sample(cloud.latency_ms, cloud.last_ok_at, outbox.depth);
    return doc;
  };
  const hub = createLiveHub({ status, logger: ctx.logger });
  const sample = () => {
    if (ctx.applying?.()) return;
    const l = ctx.loyalty.health();
    history.sample(l.link.latency_ms, l.link.last_ok_at, l.outbox.depth);
    // `edge-gateway claim` on the console claims the box beside the running gateway.
    void isClaimed(ctx).then((c) => {
      if (c !== claimed) {
        claimed = c;
        hub.changed();
      }
    });
  };
  const sampler = setInterval(sample, SAMPLE_MS);
  sampler.unref();
  const offScan = ctx.scans.onScan((scan) => {
    history.countScan();
    // With no page open, a scan allocates nothing here (the views are for streams only).
    if (hub.clients() === 0) return;
    hub.scan({
      device_id: scan.event.device_id,
      ts: scan.event.ts,
      pub: () => publicScan(scan),
      detail: () => technicianScan(scan),
    });
  });

  const app = await createWebServer({
    logger: ctx.logger,
    sessionKey: sessionKey(dataDir),
    sessions: ctx.host.sessions,
  });
  statusRoutes(app, { status, history, hub });
  const metrics = ctx.metrics;
  if (metrics)
    app.get('/metrics', async (_req, reply) => metrics().then((m) => reply.type(m.contentType).send(m.body)));
  authRoutes(app, ctx, {
    onClaimed: () => {
      claimed = true;
      hub.changed();
    },
  });
  provisionRoutes(app, ctx);
  toolRoutes(app, ctx, { changed: () => hub.changed() });

  try {
    await app.listen({ host: listen.host, port: listen.port });
  } catch (err) {
    clearInterval(sampler);
    offScan();
    hub.close();
    await app.close();
    throw err;
  }
  if (!claimed) announceSetupCode(ctx);
  const addr = app.server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : listen.port,
    app,
    changed: () => hub.changed(),
    async close() {
      clearInterval(sampler);
      offScan();
      hub.close();
      await app.close();
    },
  };
}
