// The cloud link as the box sees it (DESIGN §3 `gateway/health` "cloud link", §7 status page):
// derived from real provider answers, so it costs no extra traffic. Any answer — even a refusal —
// proves the link; only network errors, timeouts and 5xx count as down.
import type { LoyaltyProvider, ProviderOutcome } from './provider.ts';

export interface LinkState {
  state: 'unknown' | 'up' | 'down';
  last_ok_at: string | null;
  last_error: { code: string; at: string } | null;
}

export interface TrackedProvider {
  provider: LoyaltyProvider;
  link(): LinkState;
  onChange(listener: () => void): void;
}

const DOWN = new Set(['provider_unreachable', 'provider_timeout', 'provider_error', 'aborted']);

export function trackLink(inner: LoyaltyProvider): TrackedProvider {
  const state: LinkState = { state: 'unknown', last_ok_at: null, last_error: null };
  const listeners: (() => void)[] = [];
  const note = <T>(outcome: ProviderOutcome<T>): ProviderOutcome<T> => {
    const before = state.state;
    const at = new Date().toISOString();
    if (outcome.ok || !DOWN.has(outcome.code)) {
      state.state = 'up';
      state.last_ok_at = at;
    } else {
      state.state = 'down';
      state.last_error = { code: outcome.code, at };
    }
    if (before !== state.state) for (const l of listeners) l();
    return outcome;
  };
  const provider: LoyaltyProvider = Object.create(inner, {
    lookup: { value: (...a: Parameters<LoyaltyProvider['lookup']>) => inner.lookup(...a).then(note) },
    send: { value: (...a: Parameters<LoyaltyProvider['send']>) => inner.send(...a).then(note) },
    activate: { value: (...a: Parameters<LoyaltyProvider['activate']>) => inner.activate(...a).then(note) },
  });
  return { provider, link: () => ({ ...state }), onChange: (l) => listeners.push(l) };
}
