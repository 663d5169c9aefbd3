// Reports every provider call (DESIGN §8 `/metrics`: provider latency and errors by code) to a
// listener, without the loyalty code knowing who listens. Wraps the same three calls the handlers
// and the outbox make (lookup, send, activate), like the link tracker.
import type { LoyaltyProvider, ProviderOutcome } from './provider.ts';

/** `call`: lookup, activation or the write op sent; `code`: null on success, else the failure code. */
export type ProviderCallListener = (call: string, seconds: number, code: string | null) => void;

export function observeProvider(inner: LoyaltyProvider, listener: ProviderCallListener): LoyaltyProvider {
  const timed = <T>(call: string, p: Promise<ProviderOutcome<T>>): Promise<ProviderOutcome<T>> => {
    const t0 = performance.now();
    return p.then((outcome) => {
      listener(call, (performance.now() - t0) / 1000, outcome.ok ? null : outcome.code);
      return outcome;
    });
  };
  return Object.create(inner, {
    lookup: {
      value: (...a: Parameters<LoyaltyProvider['lookup']>) => timed('lookup', inner.lookup(...a)),
    },
    send: {
      value: (...a: Parameters<LoyaltyProvider['send']>) => timed(a[0].op, inner.send(...a)),
    },
    activate: {
      value: (...a: Parameters<LoyaltyProvider['activate']>) => timed('activation', inner.activate(...a)),
    },
  });
}
