// Cuts the character stream of one device into scans (docs/scanners-and-readers.md §0 rule 4,
// §1.8): a scan ends on the configured suffix key at once — no timeout wait, DESIGN §10 allows ≤ 1
// ms after the suffix report — or, as a fallback, after `idleTimeoutMs` without a key. It also
// applies the length limits, rejects human typing, splits off an AIM prefix and adds the
// `layout_suspect` heuristics.

import { aimPrefixOf } from '../../classify/aim.ts';
import type { DecoderWarning } from '../../classify/warnings.ts';
import type { Frame, FrameSink } from '../types.ts';
import { detectLayoutSuspect } from './layout-suspect.ts';

export interface DecoderTimers {
  /** Milliseconds, monotonic enough for gaps between keys. */
  now(): number;
  setTimer(callback: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export interface ScanFramerConfig {
  idleTimeoutMs: number;
  minLength: number;
  maxLength: number;
  humanTypingMs?: number;
  /** A suffix key is expected: a scan framed by the timeout is flagged `timeout_framed`. */
  suffixExpected: boolean;
  /** Text the suffix leaves at the end of the data when it is not a frame key (`enterInData`):
   * stripped once from a timeout-framed scan. */
  trailingSuffix?: string;
}

export interface ScanFramer {
  data(text: string, digitView: string): void;
  warn(code: DecoderWarning): void;
  /** A key is down that has typed nothing yet (dead key, Alt+numpad digits, Shift ahead of its
   * key): the scan is still being typed, so the idle timeout counts from here. */
  activity(): void;
  /** The suffix key arrived: publish now. */
  endBySuffix(): void;
  /** Drop the partial scan (unplug mid-scan: never publish a partial,
   * docs/scanners-and-readers.md §8 item 15). */
  discard(): void;
}

const utf8 = new TextEncoder();

/**
 * @param beforeTimeoutEnd resolves decoder state (a pending dead key) before a timeout ends a scan.
 */
export function createScanFramer(
  config: ScanFramerConfig,
  timers: DecoderTimers,
  sink: FrameSink,
  beforeTimeoutEnd: () => void,
): ScanFramer {
  let text: string[] = [];
  let digits: string[] = [];
  let length = 0;
  let warnings = new Set<DecoderWarning>();
  let open = false;
  /** Over maxLength: swallow the rest of this scan, then start clean. */
  let overflowed = false;
  let keyCount = 0;
  let firstKeyAt = 0;
  let lastKeyAt = 0;
  let lastActivityAt = 0;
  let timer: unknown;

  function clear(): void {
    text = [];
    digits = [];
    length = 0;
    warnings = new Set();
    open = false;
    overflowed = false;
    keyCount = 0;
    if (timer !== undefined) {
      timers.clearTimer(timer);
      timer = undefined;
    }
  }

  // One timer per scan, re-armed for the remaining time when it fires early: cheaper than
  // clearing and setting a timer on every key of a 250-character QR code.
  function onTimer(): void {
    timer = undefined;
    const remaining = lastActivityAt + config.idleTimeoutMs - timers.now();
    if (remaining > 0) {
      timer = timers.setTimer(onTimer, remaining);
      return;
    }
    beforeTimeoutEnd();
    finish('timeout');
  }

  function touch(): void {
    open = true;
    lastActivityAt = timers.now();
    if (timer === undefined) timer = timers.setTimer(onTimer, config.idleTimeoutMs);
  }

  function finish(by: 'suffix' | 'timeout'): void {
    if (!open || overflowed) {
      clear();
      return;
    }
    const endedAt = by === 'suffix' ? timers.now() : lastKeyAt;
    let joined = text.join('');
    let view = digits.join('');
    const found = [...warnings];
    const gapCount = by === 'suffix' ? keyCount : keyCount - 1;
    clear();

    if (by === 'timeout') {
      const suffix = config.trailingSuffix;
      if (suffix !== undefined && joined.endsWith(suffix)) {
        joined = joined.slice(0, -suffix.length);
        view = view.slice(0, -suffix.length);
      } else if (config.suffixExpected) found.push('timeout_framed');
    }
    const aim = aimPrefixOf(joined);
    if (aim !== undefined) {
      joined = joined.slice(aim.length);
      view = view.slice(aim.length);
    }

    if (joined.length === 0) return;
    if (joined.length < config.minLength) {
      sink.problem?.('too_short', { length: joined.length, minLength: config.minLength });
      return;
    }
    if (config.humanTypingMs !== undefined && gapCount > 0) {
      const averageGapMs = (endedAt - firstKeyAt) / gapCount;
      if (averageGapMs > config.humanTypingMs) {
        sink.problem?.('human_typing', { averageGapMs, humanTypingMs: config.humanTypingMs });
        return;
      }
    }
    if (detectLayoutSuspect(joined) !== undefined && !found.includes('layout_suspect')) {
      found.push('layout_suspect');
    }
    const frame: Frame = { bytes: utf8.encode(joined), text: joined, warnings: found, digitView: view };
    if (aim !== undefined) frame.aim = aim;
    sink.frame(frame);
  }

  return {
    data(chars, digitView) {
      const now = timers.now();
      if (keyCount === 0) firstKeyAt = now;
      keyCount++;
      lastKeyAt = now;
      touch();
      if (overflowed) return;
      length += chars.length;
      if (length > config.maxLength) {
        // Wrong-baud garbage or a runaway device: report without content, drop the whole scan.
        overflowed = true;
        text = [];
        digits = [];
        sink.problem?.('too_long', { maxLength: config.maxLength });
        return;
      }
      text.push(chars);
      digits.push(digitView);
    },
    warn(code) {
      warnings.add(code);
      touch();
    },
    activity() {
      // Only a scan under way: a key alone must not open one (nothing to time out yet).
      if (open) lastActivityAt = timers.now();
    },
    endBySuffix() {
      finish('suffix');
    },
    discard: clear,
  };
}
