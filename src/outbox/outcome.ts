// Checking and recording what `deliver` returns: garbage from the loyalty side becomes a retryable
// outcome (never lost, never thrown, never hanging past a timeout), and results are stored as JSON
// for duplicate transactions.
import type { Deliver, DeliveryOutcome, OutboxErrorInfo, OutboxJob } from './types.ts';

export function isDeliveryOutcome(v: unknown): v is DeliveryOutcome {
  try {
    if (typeof v !== 'object' || v === null) return false;
    const o = v as Record<string, unknown>;
    if (o.ok === true) return 'result' in o && (o.keep === undefined || typeof o.keep === 'string');
    if (o.ok !== false || typeof o.retryable !== 'boolean') return false;
    const e = o.error as Record<string, unknown> | undefined;
    return typeof e === 'object' && e !== null && typeof e.code === 'string' && typeof e.message === 'string';
  } catch {
    return false; // a getter that throws is garbage too
  }
}

export function retryable(code: string, message: string): DeliveryOutcome {
  return { ok: false, retryable: true, error: { code, message } };
}

/** Only code and message reach the store: a provider error object may carry more than we want kept. */
export function cleanError(e: OutboxErrorInfo): OutboxErrorInfo {
  return { code: String(e.code).slice(0, 100), message: String(e.message).slice(0, 1000) };
}

/** Results are kept as JSON so a duplicate transaction gets the same answer after a restart. */
export function serialise(result: unknown): string {
  try {
    return JSON.stringify(result ?? null);
  } catch {
    return 'null';
  }
}

export function parseResult(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const errMsg = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Calls `deliver` now (synchronously) and turns anything it does into a DeliveryOutcome. */
export function attemptDelivery(
  deliver: Deliver,
  job: OutboxJob,
  timeoutMs: number,
): Promise<DeliveryOutcome> {
  let pending: Promise<unknown>;
  try {
    pending = Promise.resolve(deliver(job));
  } catch (err) {
    return Promise.resolve(retryable('delivery_exception', errMsg(err)));
  }
  return new Promise((resolve) => {
    const t = setTimeout(
      () => resolve(retryable('delivery_timeout', `no outcome after ${timeoutMs} ms`)),
      timeoutMs,
    );
    t.unref();
    pending.then(
      (v) => {
        clearTimeout(t);
        resolve(
          isDeliveryOutcome(v) ? v : retryable('invalid_outcome', 'deliver returned no DeliveryOutcome'),
        );
      },
      (err: unknown) => {
        clearTimeout(t);
        resolve(retryable('delivery_exception', errMsg(err)));
      },
    );
  });
}
