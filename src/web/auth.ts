// First boot and the technician's login (DESIGN §7, issue 9). An unclaimed box prints a one-time
// setup code to the journal; whoever can read the journal (or the console) is on site, and claims
// the box by setting the technician password. After that: a login, server-side sessions that end
// after SESSION_IDLE_MS without use, a fresh session id at every login (no fixation), a CSRF token
// on every write, and failed attempts limited per client address.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { verifyPassword } from '../config/password.ts';
import {
  MIN_PASSWORD_LENGTH,
  setTechnicianPassword,
  setupCode,
  setupCodeMatches,
  technicianHash,
} from './box-secrets.ts';
import type { WebContext } from './context.ts';

/** Claim and login attempts per client address and minute (rate limit of issue 9). */
export const LOGIN_ATTEMPTS_PER_MINUTE = 5;

export const loginRateLimit = {
  rateLimit: {
    max: LOGIN_ATTEMPTS_PER_MINUTE,
    timeWindow: 60_000,
    errorResponseBuilder: (_req: FastifyRequest, ctx: { after: string }) => ({
      statusCode: 429,
      error: 'rate_limited',
      message: `too many attempts; try again in ${ctx.after}`,
    }),
  },
};

export async function isClaimed(ctx: WebContext): Promise<boolean> {
  return (await technicianHash(ctx.config.dataDir, ctx.config.configPath)) !== undefined;
}

/** The journal line a technician looks for: info (an unclaimed box is not a fault), so a box set
 * to log only warnings stays quiet; `edge-gateway claim` on the console works there. */
export function announceSetupCode(ctx: WebContext): void {
  const code = setupCode(ctx.config.dataDir);
  ctx.logger.info(`box unclaimed: claim it on the status page with setup code ${code}`, {
    setup_code: code,
  });
}

/** preHandler for writes: a valid CSRF token, checked by @fastify/csrf-protection. */
export function csrfGuard(app: FastifyInstance) {
  return app.csrfProtection.bind(app);
}

export function authRoutes(app: FastifyInstance, ctx: WebContext, hooks: { onClaimed(): void }): void {
  const { dataDir } = ctx.config;
  const log = ctx.logger;
  const csrf = csrfGuard(app);

  const startTechnicianSession = async (req: FastifyRequest, reply: FastifyReply) => {
    await req.session.regenerate();
    req.session.technician = true;
    return reply.generateCsrf();
  };

  app.get('/api/session', async (req, reply) => {
    reply.header('cache-control', 'no-store');
    return {
      claimed: await isClaimed(ctx),
      technician: req.session.technician === true,
      csrf_token: reply.generateCsrf(),
      min_password_length: MIN_PASSWORD_LENGTH,
    };
  });

  app.post<{ Body: { code?: unknown; password?: unknown } }>(
    '/api/claim',
    { config: loginRateLimit, preHandler: csrf },
    async (req, reply) => {
      if (await isClaimed(ctx)) {
        return reply
          .code(409)
          .send({ error: 'already_claimed', message: 'this box is already claimed; log in' });
      }
      const { code, password } = req.body ?? {};
      if (typeof code !== 'string' || !setupCodeMatches(dataDir, code)) {
        log.info('claim refused: wrong setup code', { ip: req.ip });
        return reply.code(403).send({
          error: 'setup_code_invalid',
          field: 'code',
          message: 'that is not the setup code the gateway printed at start (journal or terminal)',
        });
      }
      const problem = passwordProblem(password);
      if (problem)
        return reply.code(400).send({ error: 'invalid_password', field: 'password', message: problem });
      await setTechnicianPassword(dataDir, password as string);
      // A new owner: nobody logged in before keeps a session.
      ctx.host.sessions.clear();
      log.info('box claimed: technician password set', { ip: req.ip });
      hooks.onClaimed();
      return { ok: true, csrf_token: await startTechnicianSession(req, reply) };
    },
  );

  app.post<{ Body: { password?: unknown } }>(
    '/api/login',
    { config: loginRateLimit, preHandler: csrf },
    async (req, reply) => {
      const hash = await technicianHash(dataDir, ctx.config.configPath);
      if (!hash) return reply.code(409).send({ error: 'unclaimed', message: 'claim the box first' });
      const password = req.body?.password;
      if (typeof password !== 'string' || !(await verifyPassword(password, hash))) {
        log.info('technician login failed', { ip: req.ip });
        return reply.code(401).send({ error: 'login_failed', field: 'password', message: 'wrong password' });
      }
      log.info('technician logged in', { ip: req.ip });
      return { ok: true, csrf_token: await startTechnicianSession(req, reply) };
    },
  );

  app.post('/api/logout', { preHandler: csrf }, async (req) => {
    await req.session.destroy();
    return { ok: true };
  });
}

export function passwordProblem(password: unknown): string | undefined {
  if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH) {
    return `the password needs at least ${MIN_PASSWORD_LENGTH} characters`;
  }
  if (password.length > 256) return 'the password may have at most 256 characters';
  return undefined;
}
