// Circuit breaker for the provider link (DESIGN §5 "circuit opens while the provider is down"):
// after `failureThreshold` consecutive retryable failures no job is sent for `openMs`; then one probe
// goes through (half-open). A probe that succeeds closes the circuit, one that fails opens it again.
// Without it, a backlog of thousands would each burn an attempt (and a timeout) against a dead link.
import type { CircuitState } from './types.ts';

export interface CircuitOptions {
  failureThreshold: number;
  openMs: number;
  now: () => number;
  onChange?: (state: CircuitState) => void;
}

export interface Circuit {
  state(): CircuitState;
  /** How many new deliveries may start now: unlimited when closed, 0 or 1 (the probe) otherwise. */
  permits(): number;
  /** When an open circuit turns half-open; undefined unless open. */
  reopensAt(): number | undefined;
  /** A delivery starts; in half-open it is the probe. */
  onSend(): void;
  /** The provider answered (a success or a final error: both prove the link works). */
  onAnswer(): void;
  /** A retryable failure (network, timeout, 5xx, 429...). */
  onFailure(): void;
}

export function createCircuit(opts: CircuitOptions): Circuit {
  let mode: 'closed' | 'open' = 'closed';
  let failures = 0;
  let openUntil = 0;
  let probeInflight = false;
  let reported: CircuitState = 'closed';

  const state = (): CircuitState => {
    const s: CircuitState = mode === 'closed' ? 'closed' : opts.now() >= openUntil ? 'half_open' : 'open';
    if (s !== reported) {
      reported = s;
      opts.onChange?.(s);
    }
    return s;
  };

  const open = () => {
    mode = 'open';
    openUntil = opts.now() + opts.openMs;
    probeInflight = false;
    state();
  };

  return {
    state,
    permits() {
      const s = state();
      if (s === 'closed') return Number.POSITIVE_INFINITY;
      return s === 'half_open' && !probeInflight ? 1 : 0;
    },
    reopensAt: () => (state() === 'open' ? openUntil : undefined),
    onSend() {
      if (state() === 'half_open') probeInflight = true;
    },
    onAnswer() {
      failures = 0;
      probeInflight = false;
      mode = 'closed';
      state();
    },
    onFailure() {
      const s = state();
      if (s === 'open') return; // a send started before it opened: no news, and openMs must not creep
      if (s === 'half_open') return open();
      failures++;
      if (failures >= opts.failureThreshold) open();
    },
  };
}
