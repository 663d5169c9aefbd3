// The function the loyalty side hands the outbox (DESIGN §11): a stored job's exact request goes to
// the provider as it is; the provider's answer becomes a delivery outcome with the retry classes of
// DESIGN §4. The outbox never learns what a provider is.
import type { Deliver } from '../outbox/types.ts';
import { isProviderRequest, type LoyaltyProvider } from './provider.ts';

export function deliverThrough(provider: LoyaltyProvider): Deliver {
  return async (job) => {
    let request: unknown;
    try {
      request = JSON.parse(job.payload);
    } catch {
      request = undefined;
    }
    if (!isProviderRequest(request)) {
      return {
        ok: false,
        retryable: false,
        error: { code: 'bad_job', message: 'stored request is unreadable' },
      };
    }
    const outcome = await provider.send(request);
    if (outcome.ok) {
      // Delivered: the job keeps no loyalty token from now on (DESIGN §2), only what a replay needs.
      const kept = JSON.stringify(provider.keptAfterDelivery(request));
      return kept === job.payload
        ? { ok: true, result: outcome.data }
        : { ok: true, result: outcome.data, keep: kept };
    }
    const error = { code: outcome.code, message: outcome.detail };
    return outcome.retryable
      ? { ok: false, retryable: true, retryAfterMs: outcome.retryAfterMs, error }
      : { ok: false, retryable: false, error };
  };
}
