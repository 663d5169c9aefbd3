// Checking and recording what `deliver` returns: garbage from the loyalty side becomes a retryable
// outcome (never lost, never thrown), and results are stored as JSON for duplicate transactions.
import type { DeliveryOutcome, OutboxErrorInfo } from './types.ts';

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
