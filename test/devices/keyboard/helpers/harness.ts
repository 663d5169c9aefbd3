// Wires a real decoder to a recording sink and a fake clock, so tests drive time without sleeping.

import {
  createKeyboardDecoder,
  type KeyboardDecoder,
  type KeyboardDecoderOptions,
} from '../../../../src/devices/keyboard/decoder.ts';
import type { Frame } from '../../../../src/devices/types.ts';

export interface FakeTimers {
  now(): number;
  setTimer(callback: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
  /** Move the clock forward, firing due timers in order. */
  advance(ms: number): void;
  pending(): number;
}

export function createFakeTimers(start = 10_000): FakeTimers {
  let now = start;
  let nextId = 1;
  const timers = new Map<number, { at: number; callback: () => void }>();
  return {
    now: () => now,
    setTimer(callback, ms) {
      const id = nextId++;
      timers.set(id, { at: now + ms, callback });
      return id;
    },
    clearTimer(handle) {
      timers.delete(handle as number);
    },
    advance(ms) {
      const target = now + ms;
      for (;;) {
        let due: [number, { at: number; callback: () => void }] | undefined;
        for (const entry of timers) {
          if (entry[1].at <= target && (due === undefined || entry[1].at < due[1].at)) due = entry;
        }
        if (due === undefined) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].callback();
      }
      now = target;
    },
    pending: () => timers.size,
  };
}

export interface Problem {
  code: string;
  detail?: Record<string, unknown>;
}

export interface Harness {
  decoder: KeyboardDecoder;
  clock: FakeTimers;
  frames: Frame[];
  problems: Problem[];
  texts(): string[];
  /** Feed reports, advancing the clock by `gapMs` before each one (a scanner's report interval). */
  feed(reports: Uint8Array[], gapMs?: number): void;
}

export function givenDecoder(options: KeyboardDecoderOptions = {}): Harness {
  const clock = createFakeTimers();
  const frames: Frame[] = [];
  const problems: Problem[] = [];
  const decoder = createKeyboardDecoder(
    { ...options, now: clock.now, setTimer: clock.setTimer, clearTimer: clock.clearTimer },
    {
      frame: (frame) => frames.push(frame),
      problem: (code, detail) => problems.push(detail === undefined ? { code } : { code, detail }),
    },
  );
  return {
    decoder,
    clock,
    frames,
    problems,
    texts: () => frames.map((f) => f.text),
    feed(reports, gapMs = 2) {
      for (const r of reports) {
        clock.advance(gapMs);
        decoder.feed(r);
      }
    },
  };
}
