// The provider simulator (DESIGN §4: "part of the product, demo mode and tests"): an HTTP server with
// the provider API, its idempotency rules, fault injection and a ledger of applied effects.
//
// Order of one API request, chosen so that each fault means what its name says:
//   outage/reset (socket destroyed, nothing read) → 5xx/429 (answered, no effect) → API key →
//   idempotency admission → latency ("processing") → effect → answer, or "lost" (socket destroyed
//   after the effect and the idempotency record are committed).

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Logger, silentLogger } from '../../log.ts';
import { createBook } from './book.ts';
import { createFaults, type FaultControl, type FaultPatch, retryAfterHeader } from './faults.ts';
import { MAX_REQUEST_BYTES, readBody, sendJson, sendText } from './http-io.ts';
import { createIdempotencyStore, fingerprintOf } from './idempotency.ts';
import { createLedger, type LedgerView } from './ledger.ts';
import { createRandom } from './prng.ts';
import { handleRoute, matchRoute } from './routes.ts';
import { SEED } from './seed.ts';
import { problem, type SimAnswer } from './wire.ts';

export interface SimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1: the simulator is for demo mode and tests, never exposed. */
  host?: string;
  /** PRNG seed for fault decisions; default 1. */
  seed?: number;
  /** Default `SEED.apiKey`. */
  apiKey?: string;
  logger?: Logger;
  /** How long after a redemption a void is accepted; default 15 min. */
  voidWindowMs?: number;
  /** Clock for validity and the void window; tests move it. */
  now?: () => number;
}

export interface Simulator {
  readonly url: string;
  readonly port: number;
  readonly faults: FaultControl;
  readonly ledger: LedgerView;
  /** Writes admitted under an idempotency key and not answered yet. */
  pending(): number;
  /** Seed data back, ledger and idempotency records emptied, faults cleared, PRNG reseeded. */
  reset(): void;
  close(): Promise<void>;
}

export const DEFAULT_VOID_WINDOW_MS = 15 * 60 * 1000;

export async function createSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const log = opts.logger ?? silentLogger;
  const seed = opts.seed ?? 1;
  const apiKey = opts.apiKey ?? SEED.apiKey;
  const now = opts.now ?? Date.now;
  let rnd = createRandom(seed);
  const faults = createFaults(() => rnd());
  const ledger = createLedger();
  const idempotency = createIdempotencyStore();
  const book = createBook({ ledger, now, voidWindowMs: opts.voidWindowMs ?? DEFAULT_VOID_WINDOW_MS });
  const closing = new AbortController();

  const reset = () => {
    book.reset();
    ledger.clear();
    idempotency.clear();
    faults.clear();
    rnd = createRandom(seed);
  };

  /** Resolves false when the simulator closes meanwhile. */
  const pause = (ms: number) =>
    new Promise<boolean>((resolve) => {
      if (ms <= 0) return resolve(!closing.signal.aborted);
      const onClose = () => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        closing.signal.removeEventListener('abort', onClose);
        resolve(true);
      }, ms);
      closing.signal.addEventListener('abort', onClose, { once: true });
    });

  const answer = (res: http.ServerResponse, a: SimAnswer, headers?: Record<string, string>) =>
    sendJson(res, a.status, a.body, headers);

  async function admin(req: http.IncomingMessage, res: http.ServerResponse, path: string) {
    const method = req.method ?? 'GET';
    if (path === '/_sim/faults' && method === 'GET') return sendJson(res, 200, faults.get());
    if (path === '/_sim/faults' && method === 'POST') {
      const body = await readBody(req);
      if (!body.ok) return answer(res, problem(413, 'invalid', 'body too large'));
      let patch: unknown;
      try {
        patch = JSON.parse(body.text);
      } catch {
        return answer(res, problem(422, 'invalid', 'body: not valid JSON'));
      }
      const updated = faults.set(patch as FaultPatch);
      log.info('faults changed', { faults: faults.get() });
      return updated.ok
        ? sendJson(res, 200, updated.faults)
        : answer(res, problem(422, 'invalid', updated.detail));
    }
    if (path === '/_sim/ledger' && method === 'GET') return sendJson(res, 200, { effects: ledger.effects() });
    if (path === '/_sim/reset' && method === 'POST') {
      reset();
      return sendJson(res, 200, { state: 'reset' });
    }
    return answer(res, problem(404, 'not_found', 'no such simulator endpoint'));
  }

  async function api(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    const decision = faults.decide();
    // A full outage must look like a network error to the client (DESIGN §4), not like an answer.
    if (decision.outage || decision.reset) return void req.socket.destroy();
    const f = faults.get();
    if (decision.error)
      return answer(res, problem(f.errorStatus, 'unavailable', f.faultDetail ?? 'injected provider failure'));
    if (decision.reject)
      return answer(res, problem(f.rejectStatus, 'rejected', f.faultDetail ?? 'injected final rejection'));
    if (decision.rateLimit)
      return answer(res, problem(429, 'rate_limited', f.faultDetail ?? 'too many requests'), {
        'Retry-After': retryAfterHeader(f, now()),
      });
    const body = await readBody(req);
    if (!body.ok) {
      if (body.reason === 'too_large')
        answer(res, problem(413, 'invalid', `body over ${MAX_REQUEST_BYTES} bytes`));
      return;
    }
    if (req.headers.authorization !== `API-Key ${apiKey}`)
      return answer(res, problem(401, 'unauthorized', 'missing or invalid API key'));
    const match = matchRoute(req.method ?? 'GET', url.pathname);
    if (!match.ok) return answer(res, match.answer);
    const { route } = match;

    const finish = (a: SimAnswer | { status: number; text: string }, headers?: Record<string, string>) => {
      log.debug('request', { op: route.op, status: a.status, lost: decision.lostResponse });
      // "Committed but response lost": the effect stands, the client sees the connection drop.
      if (decision.lostResponse) return void req.socket.destroy();
      if ('text' in a) sendText(res, a.status, a.text, headers);
      else answer(res, a, headers);
    };

    if (!route.write) {
      if (!(await pause(decision.delayMs))) return;
      return finish(handleRoute(book, route, '', url.searchParams, body.text));
    }

    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || key.length === 0 || key.length > 400)
      return answer(res, problem(422, 'invalid', 'Idempotency-Key header: required, at most 400 characters'));
    const admission = idempotency.admit(key, fingerprintOf('POST', url.pathname + url.search, body.text));
    if (admission.kind === 'reused')
      return answer(
        res,
        problem(422, 'idempotency_key_reused', 'this Idempotency-Key was used with another request'),
      );
    if (admission.kind === 'in_progress')
      return answer(
        res,
        problem(409, 'in_progress', 'a request with this Idempotency-Key is still being processed'),
      );
    if (admission.kind === 'replay') {
      const { status, body: text } = admission.answer;
      return finish({ status, text }, { 'Idempotent-Replayed': 'true' });
    }
    if (!(await pause(decision.delayMs))) return idempotency.abandon(key);
    let result: SimAnswer;
    try {
      result = handleRoute(book, route, key, url.searchParams, body.text);
    } catch (err) {
      idempotency.abandon(key);
      log.error('simulator handler failed', { op: route.op, err });
      return answer(res, problem(500, 'internal_error', 'simulator failure'));
    }
    const text = JSON.stringify(result.body);
    idempotency.complete(key, { status: result.status, body: text });
    finish({ status: result.status, text });
  }

  const server = http.createServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://simulator');
    } catch {
      return answer(res, problem(400, 'invalid', 'malformed request target'));
    }
    const handled = url.pathname.startsWith('/_sim/') ? admin(req, res, url.pathname) : api(req, res, url);
    handled.catch((err: unknown) => {
      log.error('simulator request failed', { err });
      answer(res, problem(500, 'internal_error', 'simulator failure'));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error('simulator server error', { err }));
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  log.debug('simulator listening', { url });

  let closed: Promise<void> | undefined;
  return {
    url,
    port: address.port,
    faults,
    ledger,
    pending: () => idempotency.running(),
    reset,
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

export type { FaultControl, FaultPatch, FaultSettings } from './faults.ts';
export type { LedgerEffect, LedgerView } from './ledger.ts';
export { SEED } from './seed.ts';
