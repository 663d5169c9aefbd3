// HID POS scanned-data assembly: input reports in (report ID first, as node-hid returns them), one
// Frame per scan out. Rule from docs/scanners-and-readers.md §2.2: data += chunk[0:count] for every
// report with the scan report ID; emit when "Decode Data Continued" is 0; AIM from the first chunk
// (§8 items 16–21).

import { aimPrefixOfBytes } from '../../classify/aim.ts';
import type { FrameSink } from '../types.ts';
import { type FramingClock, systemClock } from './clock.ts';
import { safeSink } from './deliver.ts';
import { type HidPosInput, hidPosSchema, resolveHidPosLayout } from './hid-pos-options.ts';
import { buildFrame } from './payload.ts';

const CR = 0x0d;
const LF = 0x0a;

export type HidPosAssemblerOptions = HidPosInput & { clock?: FramingClock };

export interface HidPosAssembler {
  feed(report: Uint8Array): void;
  /** Drops a scan in progress. */
  reset(): void;
  /** Drops a scan in progress and ignores later reports (unplug mid-scan,
   * docs/scanners-and-readers.md §8 item 15). */
  close(): void;
}

interface Assembly {
  chunks: Uint8Array[];
  size: number;
  aim: string | undefined;
  /** Over maxLength: swallow the rest of this scan instead of starting a new one from its tail. */
  dropping: boolean;
}

/** Throws a ZodError for invalid options (a profile bug, found at attach); never for device input. */
export function createHidPosAssembler(opts: HidPosAssemblerOptions, sink: FrameSink): HidPosAssembler {
  const { clock = systemClock, ...settings } = opts;
  const cfg = hidPosSchema.parse(settings);
  const layout = resolveHidPosLayout(cfg.layout);
  const out = safeSink(sink);
  const ignoredAims = new Set(cfg.commandResponseAims);
  const minReportLength =
    Math.max(layout.lengthOffset, layout.continuedByte, layout.dataOffset, (layout.aimOffset ?? 0) + 2) + 1;

  let asm: Assembly | undefined;
  let timer: unknown;
  let closed = false;

  function feed(report: Uint8Array): void {
    // Other report IDs (trigger, status, vendor) never touch a scan in progress.
    if (report.length === 0 || report[0] !== layout.reportId) return;
    const aim = layout.aimOffset === undefined ? undefined : aimPrefixOfBytes(report, layout.aimOffset);
    // Menu responses interleave with scans; they belong to whoever sent the command
    // (docs/scanners-and-readers.md §2.2, S16).
    if (aim !== undefined && ignoredAims.has(aim)) return;
    if (report.length < minReportLength) {
      discard();
      out.problem('short_report', { length: report.length });
      return;
    }
    const count = report[layout.lengthOffset]!;
    if (count === 0 || count > layout.dataLength || layout.dataOffset + count > report.length) {
      discard();
      out.problem('bad_length', { count });
      return;
    }
    const continued = (report[layout.continuedByte]! & layout.continuedMask) !== 0;
    const current = asm ?? { chunks: [], size: 0, aim, dropping: false };
    asm = current;
    if (!current.dropping) {
      current.chunks.push(report.slice(layout.dataOffset, layout.dataOffset + count));
      current.size += count;
      if (current.size > cfg.maxLength) {
        current.dropping = true;
        current.chunks = [];
        out.problem('overlong', { maxLength: cfg.maxLength });
      }
    }
    if (continued) {
      armTimer();
      return;
    }
    stopTimer();
    asm = undefined;
    if (!current.dropping) emit(current);
  }

  function emit(done: Assembly): void {
    // Decode only after joining: a UTF-8 sequence may be split across two reports.
    let data = concat(done.chunks, done.size);
    if (cfg.suffixStripCr) data = stripTrailingCr(data);
    let aim = done.aim;
    if (layout.aimOffset === undefined) {
      // Without AIM bytes in the report (Newland) a scanner set to send AIM ids puts them in front
      // of the data, as on serial: split it off, or an EAN arrives as the text `]E0…`.
      aim = aimPrefixOfBytes(data);
      if (aim !== undefined) data = data.subarray(3);
    }
    if (data.length === 0) return;
    out.frame(buildFrame(data, aim, []));
  }

  function onContinuationTimeout(): void {
    timer = undefined;
    if (asm === undefined) return;
    const received = asm.size;
    const wasDropping = asm.dropping;
    asm = undefined;
    if (!wasDropping) out.problem('incomplete', { received });
  }

  function armTimer(): void {
    stopTimer();
    timer = clock.setTimer(onContinuationTimeout, cfg.continuationTimeoutMs);
  }

  function stopTimer(): void {
    if (timer !== undefined) clock.clearTimer(timer);
    timer = undefined;
  }

  function discard(): void {
    stopTimer();
    asm = undefined;
  }

  return {
    feed(report) {
      if (closed || !(report instanceof Uint8Array)) return;
      feed(report);
    },
    reset: discard,
    close() {
      discard();
      closed = true;
    },
  };
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const data = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.length;
  }
  return data;
}

function stripTrailingCr(data: Uint8Array): Uint8Array {
  if (data.at(-1) === LF && data.at(-2) === CR) return data.subarray(0, -2);
  if (data.at(-1) === CR) return data.subarray(0, -1);
  return data;
}
