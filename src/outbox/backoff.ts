// When a failed delivery is tried again (DESIGN §5 "backoff with jitter, capped"; §4 "honour
// Retry-After"). Exponential growth spreads the load after an outage; full jitter keeps a fleet of
// tills that lost the provider at the same moment from retrying in lockstep
// (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).

export interface BackoffPolicy {
  /** Delay cap before jitter after the first failed attempt. */
  baseMs: number;
  /** Cap on the exponential delay (Retry-After may ask for longer and is honoured). */
  maxMs: number;
  /**
   * Share of the delay that is random: 1 = full jitter (uniform in [0, cap]), 0 = none (exactly the
   * cap, useful in tests). Values outside [0, 1] are clamped.
   */
  jitter: number;
}

/**
 * Delay before the next attempt after `attempts` failed attempts (1 = the first failure).
 * `retryAfterMs` is a floor: never retry earlier than the provider asked.
 */
export function retryDelayMs(
  attempts: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
  retryAfterMs?: number,
): number {
  const n = Number.isFinite(attempts) && attempts >= 1 ? Math.floor(attempts) : 1;
  // 2 ** 1100 is Infinity, and Math.min(Infinity, maxMs) is maxMs: no overflow to guard beyond that.
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** (n - 1));
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  const r = Math.min(1, Math.max(0, random()));
  const delay = Math.round(cap * (1 - jitter * r));
  const floor =
    retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs > 0 ? retryAfterMs : 0;
  return Math.max(delay, Math.ceil(floor));
}
