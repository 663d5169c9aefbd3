// The HTTP server on the status port (DESIGN §7): fastify with the well-kept plugins for what must
// not be hand-written — security headers (@fastify/helmet), cookies and server-side sessions
// (@fastify/cookie, @fastify/session), CSRF tokens (@fastify/csrf-protection), login rate limits
// (@fastify/rate-limit). The page's own files are served from memory (assets.ts). Routes live with
// the parts that own them (status, auth, provisioning, tools); this file only builds and runs the
// server.

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import session from '@fastify/session';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Logger } from '../log.ts';
import { registerAssets } from './assets.ts';
import { fastifyLogger } from './fastify-log.ts';
import type { SessionStore } from './session-store.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route with its method, for the test that every write refuses without session and CSRF. */
    edgeRoutes: readonly { method: string; url: string }[];
  }
  interface Session {
    technician?: boolean;
    _csrf?: string;
  }
}

/** Page assets: src/web/assets, found from src/web (tsx) and dist/web (production) alike. */
export const ASSETS_DIR = fileURLToPath(new URL('../../src/web/assets/', import.meta.url));

/** A technician's session ends after this long without a request (issue 9: sessions expire). */
export const SESSION_IDLE_MS = 30 * 60 * 1000;

export interface WebServerOptions {
  logger: Logger;
  sessionKey: string;
  sessions: SessionStore;
}

// fastify builds ajv and fast-json-stringify when the server is created, though no route of ours
// declares a schema (ours are checked by zod, in the handlers). Loaded and compiled that way they
// hold ~2 MB of heap for the life of the process (bench/page.ts); built on the first route that
// does declare one, they cost nothing until then and behave the same after.
const require = createRequire(import.meta.url);
type CompilerFactory = (...args: unknown[]) => unknown;
function onFirstUse(pkg: string): CompilerFactory {
  let factory: CompilerFactory | undefined;
  return (...args) => {
    factory ??= (require(pkg) as () => CompilerFactory)();
    return factory(...args);
  };
}

export async function createWebServer(opts: WebServerOptions): Promise<FastifyInstance> {
  // The project's one logger, without pino: fastify loads pino (and its serializers and streams,
  // ~20 modules, 0.6 MB of heap) for any `logger`/`loggerInstance`, only to wrap the instance
  // given. Given neither, it loads nothing; each request's logger then comes from
  // `childLoggerFactory` and the server's own (`app.log`, "Server listening at") is set below.
  const log = fastifyLogger(opts.logger);
  const app = Fastify({
    childLoggerFactory: (_noLogger, bindings) => log.child(bindings),
    schemaController: {
      compilersFactory: {
        buildValidator: onFirstUse('@fastify/ajv-compiler') as never,
        buildSerializer: onFirstUse('@fastify/fast-json-stringify-compiler') as never,
      },
    },
    // Every request at info would flood the journal with SSE reconnects and asset loads.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    // Live streams and keep-alive would hold close() open past the 2 s stop budget.
    forceCloseConnections: true,
    return503OnClosing: true,
  });
  // A plain property of the instance: plugins' instances inherit it from this one.
  (app as { log: FastifyBaseLogger }).log = log;
  const routes: { method: string; url: string }[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url });
  });
  app.decorate('edgeRoutes', routes);
  app.addHook('onResponse', (req, reply, done) => {
    req.log.debug(
      {
        method: req.method,
        path: req.url.split('?')[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'http request',
    );
    done();
  });
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ path: req.url.split('?')[0], err }, 'http handler failed');
    const own = (err as { error?: unknown }).error;
    const code =
      typeof own === 'string'
        ? own
        : status === 403 && err.code?.startsWith('FST_CSRF')
          ? 'csrf_invalid'
          : status >= 500
            ? 'internal_error'
            : 'bad_request';
    reply.code(status).send({ error: code, message: status >= 500 ? 'internal error' : err.message });
  });
  app.setNotFoundHandler((_req, reply) => {
    reply.code(404).send({ error: 'not_found' });
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        // No upgrade-insecure-requests: the box serves plain HTTP on the shop LAN, and upgrading
        // its own asset requests to https would break the page.
      },
    },
    // HSTS on a plain-HTTP LAN device would only lock a browser out if the box is ever moved.
    strictTransportSecurity: false,
    crossOriginEmbedderPolicy: false,
  });
  await app.register(cookie);
  await app.register(session, {
    secret: opts.sessionKey,
    cookieName: 'edge_session',
    store: opts.sessions as never,
    saveUninitialized: false,
    rolling: true,
    cookie: {
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      maxAge: SESSION_IDLE_MS,
      // The box speaks plain HTTP on the shop LAN (no certificate a phone would trust): a Secure
      // cookie would never come back. HttpOnly + SameSite=Strict + CSRF tokens carry the weight.
      secure: false,
    },
  });
  await app.register(csrf, { sessionPlugin: '@fastify/session', logLevel: 'info' });
  await app.register(rateLimit, { global: false });
  registerAssets(app, ASSETS_DIR);
  app.get('/healthz', async () => ({ status: 'ok' }));
  return app;
}

/** preHandler: a technician's session, else 401 with a stable code the page understands. */
export function requireTechnician(req: FastifyRequest, reply: FastifyReply, done: () => void): void {
  if (req.session.technician !== true) {
    reply.code(401).send({ error: 'login_required', message: 'log in as the technician first' });
    return;
  }
  done();
}
