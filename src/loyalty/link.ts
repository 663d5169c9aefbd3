// The cloud link as the box sees it (DESIGN §3 `gateway/health` "cloud link", §7 status page):
// derived from real provider answers, so it costs no extra traffic. Any answer — even a refusal —
// proves the link; only network errors, timeouts and 5xx count as down.
import type { LoyaltyProvider, ProviderOutcome } from './provider.ts';

export interface LinkState {
  state: 'unknown' | 'up' | 'down';
  last_ok_at: string | null;
  last_error: { code: string; at: string } | null;
  /** How long the provider took to answer the last call that got an answer (status page chart). */
  latency_ms: number | null;
}

export interface TrackedProvider {
  provider: LoyaltyProvider;
  link(): LinkState;
  onChange(listener: () => void): void;
}

const DOWN = new Set(['provider_unreachable', 'provider_timeout', 'provider_error', 'aborted']);

export function trackLink(inner: LoyaltyProvider): TrackedProvider {
  const state: LinkState = { state: 'unknown', last_ok_at: null, last_error: null, latency_ms: null };
  const listeners: (() => void)[] = [];
  const note = <T>(outcome: ProviderOutcome<T>, startedAt: number): ProviderOutcome<T> => {
    const before = state.state;
    const at = new Date().toISOString();
    if (outcome.ok || !DOWN.has(outcome.code)) {
      state.state = 'up';
      state.last_ok_at = at;
      state.latency_ms = Math.round(performance.now() - startedAt);
    } else {
      state.state = 'down';
      state.last_error = { code: outcome.code, at };
    }
    if (before !== state.state) for (const l of listeners) l();
    return outcome;
  };
  const timed = <A extends unknown[], T>(fn: (...a: A) => Promise<ProviderOutcome<T>>) => ({
    value: (...a: A) => {
      const startedAt = performance.now();
      return fn(...a).then((o) => note(o, startedAt));
    },
  });
  const provider: LoyaltyProvider = Object.create(inner, {
    lookup: timed(inner.lookup.bind(inner)),
    send: timed(inner.send.bind(inner)),
    activate: timed(inner.activate.bind(inner)),
  });
  return { provider, link: () => ({ ...state }), onChange: (l) => listeners.push(l) };
}
