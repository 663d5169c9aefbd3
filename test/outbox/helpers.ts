// Shared parts for the outbox tests: real SQLite files in a temp dir, a settable clock, and a
// deliver function the test answers call by call (so ordering is decided by the test, not by timing).
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { type OutboxStore, type OutboxStoreOptions, openOutboxStore } from '../../src/outbox/store.ts';
import type { DeliveryOutcome, EnqueueInput, OutboxJob } from '../../src/outbox/types.ts';
import { testTempDir } from '../helpers/cleanup.ts';

export function tempDir(t: ExecutionContext): string {
  return testTempDir(t, 'edge-outbox-test-');
}

export function openTemp(
  t: ExecutionContext,
  opts: Partial<OutboxStoreOptions> = {},
): { store: OutboxStore; path: string } {
  const path = opts.path ?? join(tempDir(t), 'data', 'outbox.sqlite');
  const store = openOutboxStore({ ...opts, path });
  t.teardown(() => store.close());
  return { store, path };
}

export interface Clock {
  now: () => number;
  advance(ms: number): number;
  set(at: number): void;
}

export function fakeClock(start = 1_700_000_000_000): Clock {
  let at = start;
  return {
    now: () => at,
    advance(ms) {
      at += ms;
      return at;
    },
    set(v) {
      at = v;
    },
  };
}

/** A turnover-like job; only the fields the test cares about need to be given. */
export function turnover(key: string, orderKey = 'cust-1', extra: Partial<EnqueueInput> = {}): EnqueueInput {
  return {
    key,
    kind: 'turnover',
    orderKey,
    payload: JSON.stringify({ transaction_id: key, amount: { gross_cents: 1250, currency: 'EUR' } }),
    ...extra,
  };
}

export function mustEnqueue(store: OutboxStore, input: EnqueueInput): OutboxJob {
  const r = store.enqueue(input);
  if (!r.ok) throw new Error(`enqueue failed: ${r.code} ${r.message}`);
  return r.job;
}

export interface Call {
  job: OutboxJob;
  answer(outcome: DeliveryOutcome): void;
  ok(result?: unknown): void;
  retry(code?: string, retryAfterMs?: number): void;
  fail(code: string, message: string): void;
}

/** A deliver function whose every call waits until the test answers it. */
export function scriptedDeliver() {
  const calls: Call[] = [];
  const waiting: Array<{ n: number; resolve: (c: Call) => void }> = [];
  const deliver = (job: OutboxJob) =>
    new Promise<DeliveryOutcome>((resolve) => {
      const call: Call = {
        job,
        answer: resolve,
        ok: (result = { booked: job.key }) => resolve({ ok: true, result }),
        retry: (code = 'provider_unreachable', retryAfterMs) =>
          resolve(
            retryAfterMs === undefined
              ? { ok: false, retryable: true, error: { code, message: 'try again' } }
              : { ok: false, retryable: true, retryAfterMs, error: { code, message: 'slow down' } },
          ),
        fail: (code, message) => resolve({ ok: false, retryable: false, error: { code, message } }),
      };
      calls.push(call);
      for (const w of waiting.filter((x) => calls.length >= x.n)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(calls[w.n - 1]!);
      }
    });
  return {
    deliver,
    calls,
    keys: () => calls.map((c) => c.job.key),
    /** The n-th call (1-based), once it has started. */
    call(n: number): Promise<Call> {
      const c = calls[n - 1];
      if (c) return Promise.resolve(c);
      return new Promise((resolve) => waiting.push({ n, resolve }));
    },
  };
}

/** Collects callback events; `until` resolves once a condition over them holds. */
export function recorder<T>() {
  const items: T[] = [];
  const waiting: Array<{ cond: (items: T[]) => boolean; resolve: () => void }> = [];
  return {
    items,
    push(item: T) {
      items.push(item);
      for (const w of [...waiting]) {
        if (w.cond(items)) {
          waiting.splice(waiting.indexOf(w), 1);
          w.resolve();
        }
      }
    },
    until(cond: (items: T[]) => boolean): Promise<void> {
      if (cond(items)) return Promise.resolve();
      return new Promise((resolve) => waiting.push({ cond, resolve }));
    },
  };
}
