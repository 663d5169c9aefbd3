// The technician's tools (issue 9): a test scan typed on the phone, connectivity tests with a
// verdict and the reason, the outbox dead letters (list, retry, discard) and a redacted
// diagnostics bundle for support. Everything behind the login; every write behind a CSRF token.
//
// The routes that reach loyalty (the outbox, the provider) wait while it restarts to apply
// settings, as a till's MQTT request does: the page's buttons just take a moment longer instead of
// failing. Past the same limit (10 s), or with loyalty not running, they answer 503 `unavailable`
// with Retry-After, which the page shows as the reason.

import { readFileSync } from 'node:fs';
import { arch, platform, release } from 'node:os';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { frameFromText } from '../classify/frame.ts';
import { redactSecrets } from '../config/secrets.ts';
import { PROVIDER_ERRORS } from '../loyalty/provider.ts';
import type { LoyaltyService } from '../loyalty/service.ts';
import { describeJob } from '../outbox-cli.ts';
import { probeUplink } from '../uplink/connection.ts';
import { uplinkLogin } from '../uplink/login.ts';
import { VERSION } from '../version.ts';
import { csrfGuard } from './auth.ts';
import type { WebContext } from './context.ts';
import { requireTechnician } from './server.ts';
import { statusDocument, technicianInventory } from './status.ts';

export interface Verdict {
  target: 'provider' | 'ops';
  verdict: 'ok' | 'failed' | 'not_configured';
  reason: string;
  ms?: number;
}

const PROBE_CODE = 'edge-gateway-connectivity-test';
/** Seconds the page is told to wait before it tries again when loyalty is not back in time. */
const RETRY_AFTER_S = 5;

/** Loyalty, or null once a 503 is sent: the caller then returns `reply`. */
async function loyaltyOr503(ctx: WebContext, reply: FastifyReply): Promise<LoyaltyService | null> {
  try {
    return await ctx.loyaltyReady();
  } catch (err) {
    reply
      .code(503)
      .header('retry-after', String(RETRY_AFTER_S))
      .send({ error: 'unavailable', message: err instanceof Error ? err.message : String(err) });
    return null;
  }
}

export function toolRoutes(app: FastifyInstance, ctx: WebContext, hooks: { changed(): void }): void {
  const csrf = csrfGuard(app);
  const tech = { preHandler: [requireTechnician, csrf] };

  app.post<{ Body: { text?: unknown } }>('/api/test-scan', tech, async (req, reply) => {
    const text = req.body?.text;
    if (typeof text !== 'string' || text.length === 0 || text.length > 4096) {
      return reply.code(400).send({ error: 'bad_request', field: 'text', message: 'type 1-4096 characters' });
    }
    const scan = ctx.scans.ingest(
      { deviceId: 'test', profile: 'test', transport: 'test' },
      frameFromText(text),
    );
    return { scan_id: scan?.event.id ?? null };
  });

  app.post<{ Body: { target?: unknown } }>('/api/tools/connectivity', tech, async (req, reply) => {
    const target = req.body?.target;
    if (target === 'provider') {
      const loyalty = await loyaltyOr503(ctx, reply);
      return loyalty ? providerVerdict(loyalty) : reply;
    }
    if (target === 'ops') return opsVerdict(ctx);
    return reply
      .code(400)
      .send({ error: 'bad_request', field: 'target', message: 'target is provider or ops' });
  });

  // The box's serial and MAC addresses (the public status shows what the box is, not these).
  app.get('/api/inventory', { preHandler: requireTechnician }, async (_req, reply) => {
    reply.header('cache-control', 'no-store');
    return { inventory: technicianInventory(ctx) };
  });

  app.get('/api/dead', { preHandler: requireTechnician }, async (_req, reply) => {
    const loyalty = await loyaltyOr503(ctx, reply);
    return loyalty ? { dead: loyalty.store.listDead().map(describeJob) } : reply;
  });

  app.post<{ Params: { id: string }; Body: unknown }>('/api/dead/:id/:action', tech, async (req, reply) => {
    const id = Number(req.params.id);
    const action = (req.params as { action?: string }).action;
    if (!Number.isInteger(id) || id < 1 || (action !== 'retry' && action !== 'discard')) {
      return reply.code(400).send({ error: 'bad_request', message: 'POST /api/dead/<id>/retry or /discard' });
    }
    const loyalty = await loyaltyOr503(ctx, reply);
    if (!loyalty) return reply;
    const store = loyalty.store;
    const r = action === 'retry' ? store.retryDead(id) : store.discardDead(id);
    if (!r.ok)
      return reply.code(r.code === 'store_error' ? 500 : 404).send({ error: r.code, message: r.message });
    ctx.logger.info(`dead letter ${action === 'retry' ? 'retried' : 'discarded'} from the page`, {
      id,
      transaction: r.job.key,
    });
    if (action === 'retry') loyalty.dispatcher.kick();
    hooks.changed();
    return { ok: true, job: describeJob(r.job), revived_dependents: r.revived };
  });

  app.get('/api/diagnostics', { preHandler: requireTechnician }, async (_req, reply) => {
    const loyalty = await loyaltyOr503(ctx, reply);
    if (!loyalty) return reply;
    const { settings } = ctx.config;
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    reply.header(
      'content-disposition',
      `attachment; filename="edge-gateway-${settings.till_id}-${stamp}.json"`,
    );
    reply.header('cache-control', 'no-store');
    return {
      generated_at: new Date().toISOString(),
      version: VERSION,
      node: process.version,
      os: { platform: platform(), release: release(), arch: arch(), model: deviceModel() },
      config: scrubUrls(redactSecrets(settings)),
      status: statusDocument(ctx, true),
      outbox: loyalty.store.stats(),
      dead_letters: loyalty.store.listDead().map(describeJob),
      logs: (ctx.host.logs?.lines() ?? []).map(scrubLine),
    };
  });
}

async function providerVerdict(loyalty: LoyaltyService): Promise<Verdict> {
  const started = performance.now();
  // A lookup of a code no customer has: any answer from the provider proves the link and the key.
  const r = await loyalty.provider.lookup(PROBE_CODE, 'manual');
  const ms = Math.round(performance.now() - started);
  const where = loyalty.simulator ? 'the built-in simulator' : 'the provider';
  if (r.ok || r.code === 'customer_not_found' || r.code === 'not_found') {
    return { target: 'provider', verdict: 'ok', reason: `${where} answered and accepted the API key`, ms };
  }
  const meaning = PROVIDER_ERRORS[r.code as keyof typeof PROVIDER_ERRORS] ?? r.detail;
  return { target: 'provider', verdict: 'failed', reason: `${r.code}: ${meaning}`, ms };
}

/** The uplink's own login and options (src/uplink/login.ts): a pass here is a pass for the uplink. */
async function opsVerdict(ctx: WebContext): Promise<Verdict> {
  const { settings } = ctx.config;
  const l = uplinkLogin(settings);
  if (!l.ok) {
    return {
      target: 'ops',
      verdict: l.code === 'not_configured' ? 'not_configured' : 'failed',
      reason: l.reason,
    };
  }
  const started = performance.now();
  const r = await probeUplink(l.login, { keepaliveS: settings.uplink.keepalive_s, timeoutMs: 5000 });
  const ms = Math.round(performance.now() - started);
  return r.ok
    ? { target: 'ops', verdict: 'ok', reason: 'the ops broker accepted the connection and the login', ms }
    : { target: 'ops', verdict: 'failed', reason: r.reason, ms };
}

/** A URL with a login in it (`mqtt://user:pass@host`) keeps only its host. */
function scrubUrls<T>(value: T): T {
  return JSON.parse(JSON.stringify(value).replace(/(\w+:\/\/)[^@/"\s]+@/g, '$1')) as T;
}

/** Log lines are redacted by the logger already; the used setup code goes too. */
function scrubLine(line: string): string {
  return line.replace(/\b[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}\b/g, '[setup code]');
}

function deviceModel(): string | null {
  try {
    return readFileSync('/proc/device-tree/model', 'utf8').replace(/\0/g, '').trim();
  } catch {
    return null;
  }
}
