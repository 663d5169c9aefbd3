// Wires a real decoder to a recording sink and a fake clock, so tests drive time without sleeping.

import { createManualClock, type ManualClock } from '../../../../src/devices/framing/manual-clock.ts';
import {
  createKeyboardDecoder,
  type KeyboardDecoder,
  type KeyboardDecoderOptions,
} from '../../../../src/devices/keyboard/decoder.ts';
import type { Frame } from '../../../../src/devices/types.ts';

/** The shared manual clock (src/devices/framing/manual-clock.ts), started away from zero. */
export type FakeTimers = ManualClock;

export function createFakeTimers(start = 10_000): FakeTimers {
  return createManualClock(start);
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
