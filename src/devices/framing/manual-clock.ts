// A clock that only moves when told to: replays of recorded fixtures and tests drive idle and
// continuation timeouts deterministically, without sleeping.

import type { FramingClock } from './clock.ts';

export interface ManualClock extends FramingClock {
  /** Moves time forward, running every timer that falls due, in due order. */
  advance(ms: number): void;
  /** Number of timers still waiting. */
  pending(): number;
}

export function createManualClock(start = 0): ManualClock {
  let now = start;
  let nextId = 1;
  const timers = new Map<number, { due: number; fn: () => void }>();
  return {
    now: () => now,
    setTimer(fn, ms) {
      const id = nextId++;
      timers.set(id, { due: now + Math.max(0, ms), fn });
      return id;
    },
    clearTimer(handle) {
      timers.delete(handle as number);
    },
    advance(ms) {
      const target = now + ms;
      for (;;) {
        let first: [number, { due: number; fn: () => void }] | undefined;
        for (const entry of timers)
          if (entry[1].due <= target && (!first || entry[1].due < first[1].due)) first = entry;
        if (!first) break;
        timers.delete(first[0]);
        now = first[1].due;
        first[1].fn();
      }
      now = target;
    },
    pending: () => timers.size,
  };
}
