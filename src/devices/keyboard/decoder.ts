// Keyboard-wedge decoder for one device (DESIGN §6, docs/scanners-and-readers.md §1): raw hidraw
// reports in, frames out through the shared `FrameSink`. Synchronous: a suffix report produces its
// frame inside `feed`, so the ≤ 1 ms bar after the suffix (DESIGN §10) costs no timer. Garbage
// input never throws; it is reported through `sink.problem` without content.

import type { z } from 'zod';
import { formatSchemaProblems, schemaProblems } from '../../util/schema-problems.ts';
import { systemClock } from '../framing/clock.ts';
import type { FrameSink } from '../types.ts';
import { parseKeyboardReport } from './hid-report.ts';
import { Usage } from './hid-usages.ts';
import { createKeyTranslator } from './key-translator.ts';
import { getLayout } from './layouts.ts';
import { createScanFramer, type DecoderTimers } from './scan-framer.ts';
import {
  type KeyboardDecoderSettings,
  type KeyboardDecoderSettingsInput,
  keyboardDecoderSettingsSchema,
} from './settings.ts';

export type { DecoderTimers } from './scan-framer.ts';

/** Settings plus optional injected clock and timers (tests drive time without sleeping). */
export type KeyboardDecoderOptions = KeyboardDecoderSettingsInput & Partial<DecoderTimers>;

export interface KeyboardDecoder {
  /** One raw input report as hidraw/node-hid delivers it. */
  feed(report: Uint8Array): void;
  /** Forget the partial scan and all key state (unplug mid-scan: never publish a partial). */
  reset(): void;
  /** Stop: clear timers, drop the partial scan, ignore further reports. */
  close(): void;
}

export class KeyboardDecoderSettingsError extends Error {
  readonly code = 'invalid_keyboard_settings';
  constructor(readonly issues: z.core.$ZodIssue[]) {
    super(`invalid keyboard decoder settings: ${formatSchemaProblems(schemaProblems(issues))}`);
    this.name = 'KeyboardDecoderSettingsError';
  }
}

// The framers' clock: its timers let input that arrived during a blocked event loop in first.
const realTimers: DecoderTimers = systemClock;

function frameKeysFor(settings: KeyboardDecoderSettings): Set<number> {
  if (settings.suffix === 'tab') return new Set([Usage.tab]);
  if (settings.suffix === 'enter' && !settings.enterInData) {
    return new Set([Usage.enter, Usage.keypadEnter]);
  }
  return new Set();
}

/** @throws KeyboardDecoderSettingsError when the settings are invalid (a config error, not input). */
export function createKeyboardDecoder(options: KeyboardDecoderOptions, sink: FrameSink): KeyboardDecoder {
  const { now, setTimer, clearTimer, ...data } = options;
  const parsed = keyboardDecoderSettingsSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) throw new KeyboardDecoderSettingsError(parsed.error.issues);
  const settings = parsed.data;
  const timers: DecoderTimers = {
    now: now ?? realTimers.now,
    setTimer: setTimer ?? realTimers.setTimer,
    clearTimer: clearTimer ?? realTimers.clearTimer,
  };
  const frameKeys = frameKeysFor(settings);

  function report(code: string, detail?: Record<string, unknown>): void {
    try {
      sink.problem?.(code, detail);
    } catch {
      // A failing problem hook must not take the device's read loop down.
    }
  }
  const guardedSink: FrameSink = { frame: (frame) => sink.frame(frame), problem: report };

  const framer = createScanFramer(
    {
      idleTimeoutMs: settings.idleTimeoutMs,
      minLength: settings.minLength,
      maxLength: settings.maxLength,
      humanTypingMs: settings.humanTypingMs,
      suffixExpected: frameKeys.size > 0,
      trailingSuffix: settings.suffix === 'enter' && settings.enterInData ? '\r' : undefined,
    },
    {
      ...timers,
      // The timeout path runs outside `feed`: keep its errors inside the decoder too.
      setTimer: (callback, ms) => timers.setTimer(() => guarded(callback), ms),
    },
    guardedSink,
    () => translator.flushPending(),
  );
  const translator = createKeyTranslator(
    {
      layout: getLayout(settings.layout),
      oemCodePage: settings.oemCodePage,
      capsLock: settings.capsLock,
      frameKeys,
    },
    {
      data: (text, digitView) => framer.data(text, digitView),
      end: () => framer.endBySuffix(),
      warning: (code) => framer.warn(code),
    },
  );
  let closed = false;

  function resetAll(): void {
    framer.discard();
    translator.reset();
  }

  function guarded(work: () => void): void {
    try {
      work();
    } catch (error) {
      resetAll();
      report('decoder_error', { error: error instanceof Error ? error.name : typeof error });
    }
  }

  return {
    feed(raw) {
      if (closed) return;
      guarded(() => {
        const parsedReport = parseKeyboardReport(raw, settings.reportId);
        if (parsedReport.kind === 'keys') {
          const { keys, modifiers } = parsedReport.report;
          translator.report(parsedReport.report);
          // A dead key or an Alt+numpad code types its character several reports later; without
          // this a slow scanner's idle timeout cut the scan in the middle of `´e` or Alt+0252.
          if (keys.length > 0 || modifiers !== 0) framer.activity();
        } else if (parsedReport.kind === 'invalid') {
          report('unsupported_report', { length: parsedReport.length });
        }
      });
    },
    reset() {
      if (!closed) resetAll();
    },
    close() {
      closed = true;
      resetAll();
    },
  };
}
