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
    if (outcome.ok) return { ok: true, result: outcome.data };
    const error = { code: outcome.code, message: outcome.detail };
    return outcome.retryable
      ? { ok: false, retryable: true, retryAfterMs: outcome.retryAfterMs, error }
      : { ok: false, retryable: false, error };
  };
}
