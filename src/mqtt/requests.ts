// Request routing (DESIGN §3): exactly one response per request — malformed, unknown, failed or
// duplicate included. Handlers are registered per op with typed arguments; the router owns
// parsing, validation, the transaction replay cache and the mapping of errors to stable codes.
import { GatewayError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { sha256 } from '../util/sha256.ts';
import { errorResponse, okResponse, parseRequest } from './envelope.ts';
import type { OpArgs, OpName, Transaction } from './ops.ts';
import type { ResponseEnvelope } from './topics.ts';

export interface RequestContext {
  op: OpName;
  transaction: Transaction;
  log: Logger;
}

export type Handler<K extends OpName> = (args: OpArgs<K>, ctx: RequestContext) => unknown | Promise<unknown>;

export interface RequestRouterOptions {
  logger: Logger;
  /** The request size limit, read at each request: applying a new one does not make a new router. */
  maxPayloadBytes: () => number;
  respond: (op: string, response: ResponseEnvelope) => void | Promise<void>;
  /** How many answered transactions are remembered for replay (in memory; the outbox keeps its own). */
  replayCapacity?: number;
}

export interface RequestRouter {
  /** Registers the op's handler; the returned function removes it again (its part stopped). */
  handle<K extends OpName>(op: K, handler: Handler<K>): () => void;
  dispatch(op: string, payload: Buffer): Promise<void>;
  /**
   * Requests wait before their handler runs until the returned release is called (parts start, or
   * restart to apply settings), at most `HOLD_LIMIT_MS`: then they run against whatever is registered.
   */
  hold(): () => void;
  /** From now on every request is answered `unavailable` (the gateway is stopping). */
  close(): void;
}

/** How long a held request waits at most: longer than any part takes to restart. */
export const HOLD_LIMIT_MS = 10_000;

const TRANSIENT = new Set(['internal_error', 'unavailable', 'provider_unreachable', 'buffer_full']);

interface Remembered {
  argsHash: string;
  answer: Promise<ResponseEnvelope>;
}

export function createRequestRouter(opts: RequestRouterOptions): RequestRouter {
  const handlers = new Map<OpName, Handler<OpName>>();
  const replay = new Map<string, Remembered>();
  const capacity = opts.replayCapacity ?? 2000;
  const log = opts.logger;
  let closed = false;
  let held: Promise<void> | undefined;

  async function run(
    op: OpName,
    transaction: Transaction,
    args: Record<string, unknown>,
  ): Promise<ResponseEnvelope> {
    if (held) await held;
    const handler = handlers.get(op);
    if (!handler)
      return errorResponse(transaction, 'unavailable', `operation '${op}' is not available on this gateway`);
    try {
      const data = await handler(args as OpArgs<OpName>, { op, transaction, log });
      return okResponse(transaction, data);
    } catch (err) {
      if (err instanceof GatewayError) return errorResponse(transaction, err.code, err.message, err.details);
      log.error('request handler failed', { op, error: err });
      return errorResponse(transaction, 'internal_error', 'the gateway failed to handle the request');
    }
  }

  function remember(key: string, entry: Remembered): void {
    replay.set(key, entry);
    if (replay.size > capacity) replay.delete(replay.keys().next().value as string);
  }

  return {
    handle(op, handler) {
      const h = handler as Handler<OpName>;
      handlers.set(op, h);
      return () => {
        if (handlers.get(op) === h) handlers.delete(op);
      };
    },
    hold() {
      let release = () => {};
      const gate = new Promise<void>((resolve) => {
        const t = setTimeout(resolve, HOLD_LIMIT_MS);
        release = () => {
          clearTimeout(t);
          resolve();
        };
      });
      held = gate;
      void gate.then(() => {
        if (held === gate) held = undefined;
      });
      return release;
    },
    close() {
      closed = true;
    },
    async dispatch(op, payload) {
      const parsed = parseRequest(op, payload, opts.maxPayloadBytes());
      let answer: ResponseEnvelope;
      if (closed) {
        // Stopping: the parts behind the handlers may already be gone; the till may retry later.
        answer = errorResponse(parsed.transaction, 'unavailable', 'the gateway is stopping');
      } else if (!parsed.ok) {
        log.info('request refused', { op, code: parsed.code, reason: parsed.details?.reason });
        answer = errorResponse(parsed.transaction, parsed.code, parsed.message, parsed.details);
      } else {
        // Same transaction again: same answer (also while the first is still running); the same
        // transaction with other arguments is a till bug we must not paper over.
        const key = `${parsed.op}\u0000${typeof parsed.transaction}:${parsed.transaction}`;
        const argsHash = sha256(JSON.stringify(parsed.args));
        const seen = replay.get(key);
        if (seen && seen.argsHash !== argsHash) {
          answer = errorResponse(
            parsed.transaction,
            'transaction_reused',
            'this transaction was already used with other arguments',
          );
        } else if (seen) {
          answer = await seen.answer;
        } else {
          const pending = run(parsed.op, parsed.transaction, parsed.args);
          remember(key, { argsHash, answer: pending });
          answer = await pending;
          // Transient refusals are not the transaction's answer: a retry may run again.
          if (answer.error && TRANSIENT.has(answer.error.code)) replay.delete(key);
        }
      }
      try {
        await opts.respond(op, answer);
      } catch (err) {
        log.error('response publish failed', { op, error: err });
      }
    },
  };
}
