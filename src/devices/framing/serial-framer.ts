// Serial / USB-CDC framing: raw bytes as they arrive (split anywhere) in, one Frame per scan out
// (docs/scanners-and-readers.md §3.1, §8 items 22–25). No port handling here: the serial transport
// pushes what it reads.

import { aimPrefixOfBytes } from '../../classify/aim.ts';
import type { DecoderWarning } from '../../classify/warnings.ts';
import type { FrameSink } from '../types.ts';
import { type FramingClock, systemClock } from './clock.ts';
import { safeSink } from './deliver.ts';
import { isModemProbe } from './modem-probe.ts';
import { buildFrame, stripUtf8Bom } from './payload.ts';
import { type SerialFramingInput, serialFramingSchema } from './serial-options.ts';

const CR = 0x0d;
const LF = 0x0a;
const NUL = 0x00;

export type SerialFramerOptions = SerialFramingInput & { clock?: FramingClock };

export interface SerialFramer {
  /** Bytes exactly as read from the port. */
  push(chunk: Uint8Array): void;
  /** Drops a partial frame (e.g. after a reopen). */
  reset(): void;
  /** Drops a partial frame and ignores everything pushed later (unplug mid-scan,
   * docs/scanners-and-readers.md §8 item 15). */
  close(): void;
}

/** Throws a ZodError for invalid options (a profile bug, found at attach); never for device input. */
export function createSerialFramer(opts: SerialFramerOptions, sink: FrameSink): SerialFramer {
  const { clock = systemClock, ...settings } = opts;
  const cfg = serialFramingSchema.parse(settings);
  const out = safeSink(sink);
  const term = Uint8Array.from(cfg.terminator);
  // A CRLF suffix read with a CR terminator leaves an LF in front of the next scan
  // (docs/scanners-and-readers.md §3.1, S15).
  const crOnly = term.length === 1 && term[0] === CR;
  const lfOnly = term.length === 1 && term[0] === LF;
  const openedAt = clock.now();

  const buf = new Uint8Array(cfg.maxLength + Math.max(term.length, 1));
  let len = 0;
  let discarding = false;
  let discardTail: number[] = [];
  let afterCr = false;
  let timer: unknown;
  let closed = false;

  function onByte(b: number): void {
    if (discarding) {
      skipUntilTerminator(b);
      return;
    }
    if (len === 0) {
      // NULs before any data are line noise (DTR toggles, breaks on RS-232 adapters), not a scan.
      if (b === NUL) return;
      if (b === LF && afterCr && crOnly) {
        afterCr = false;
        return;
      }
    }
    afterCr = false;
    buf[len++] = b;
    if (term.length > 0 && endsWithTerminator()) {
      const data = buf.slice(0, len - term.length);
      len = 0;
      afterCr = crOnly;
      complete(data, []);
      return;
    }
    if (len > cfg.maxLength && !overflowIsTerminatorStart()) overflow();
  }

  function endsWithTerminator(): boolean {
    if (len < term.length) return false;
    for (let i = 0; i < term.length; i++) if (buf[len - term.length + i] !== term[i]) return false;
    return true;
  }

  function overflowIsTerminatorStart(): boolean {
    for (let i = cfg.maxLength; i < len; i++) if (buf[i] !== term[i - cfg.maxLength]) return false;
    return term.length > len - cfg.maxLength;
  }

  function overflow(): void {
    out.problem('overlong', { maxLength: cfg.maxLength });
    discarding = true;
    // The bytes just read may already hold the start of the terminator.
    discardTail = term.length > 1 ? Array.from(buf.subarray(Math.max(0, len - term.length + 1), len)) : [];
    len = 0;
  }

  function skipUntilTerminator(b: number): void {
    if (term.length === 0) return; // only the idle timeout ends garbage without a terminator
    discardTail.push(b);
    if (discardTail.length > term.length) discardTail.shift();
    if (discardTail.length === term.length && discardTail.every((x, i) => x === term[i])) {
      discarding = false;
      discardTail = [];
      afterCr = crOnly;
    }
  }

  function onIdle(): void {
    timer = undefined;
    if (discarding) {
      discarding = false;
      discardTail = [];
      return;
    }
    if (len === 0) return;
    let data: Uint8Array = buf.slice(0, len);
    len = 0;
    if (term.length === 0) {
      complete(data, []);
      return;
    }
    // The terminator never came: most often the scanner's suffix differs from the profile (LF or CRLF
    // instead of CR), so a trailing line end is a suffix, not data.
    data = stripTrailingLineEnd(data);
    // Up to a terminator's length minus one bytes past maxLength are held back in case they begin
    // the terminator; when it never completes they are data after all, and the line is too long.
    if (data.length > cfg.maxLength) {
      out.problem('overlong', { maxLength: cfg.maxLength });
      return;
    }
    complete(data, ['timeout_framed']);
  }

  function complete(raw: Uint8Array, warnings: DecoderWarning[]): void {
    let data = raw;
    if (lfOnly && data.at(-1) === CR) data = data.subarray(0, -1);
    if (data.length === 0) return;
    if (cfg.ignoreAtProbeMs > 0 && clock.now() - openedAt <= cfg.ignoreAtProbeMs && isModemProbe(data)) {
      out.problem('modem_probe');
      return;
    }
    data = stripUtf8Bom(data);
    const aim = cfg.aim === 'absent' ? undefined : aimPrefixOfBytes(data);
    if (aim !== undefined) {
      // Only a leading AIM id is the prefix; `]E0<UPC>]E2<add-on>` keeps the second one as data
      // (docs/scanners-and-readers.md §3.1).
      data = stripUtf8Bom(data.subarray(3));
    } else if (cfg.aim === 'expected') {
      warnings.push('aim_missing');
    }
    if (data.length === 0) return;
    out.frame(buildFrame(data, aim, warnings));
  }

  function armIdleTimer(): void {
    if (timer !== undefined) clock.clearTimer(timer);
    timer = len > 0 || discarding ? clock.setTimer(onIdle, cfg.idleTimeoutMs) : undefined;
  }

  function dropPartial(): void {
    if (timer !== undefined) clock.clearTimer(timer);
    timer = undefined;
    len = 0;
    discarding = false;
    discardTail = [];
    afterCr = false;
  }

  return {
    push(chunk) {
      if (closed || !(chunk instanceof Uint8Array)) return;
      for (let i = 0; i < chunk.length; i++) onByte(chunk[i]!);
      armIdleTimer();
    },
    reset: dropPartial,
    close() {
      dropPartial();
      closed = true;
    },
  };
}

function stripTrailingLineEnd(data: Uint8Array): Uint8Array {
  let end = data.length;
  if (data[end - 1] === LF) end--;
  if (data[end - 1] === CR) end--;
  return data.subarray(0, end);
}
