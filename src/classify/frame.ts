// What the classifier reads: one complete scan as a driver framed it (DESIGN §11 data flow:
// transport → decoder → classifier). It lives here, below the drivers, because every producer of
// scans — the device drivers, the `gateway/test_scan` op, manual entry — hands the classifier the
// same shape; devices/ re-exports it for its drivers.

import { aimPrefixOf } from './aim.ts';
import type { DecoderWarning } from './warnings.ts';

export interface Frame {
  /** Decoded payload bytes exactly as the device delivered them (HID POS, serial) or the UTF-8 of the
   * decoded text (keyboard wedge, where bytes are only known through a layout). */
  bytes: Uint8Array;
  /** Text view of `bytes` (UTF-8 when valid, else latin1/cp1252) with the AIM prefix removed. */
  text: string;
  /** AIM symbology identifier such as `]E0`, `]Q1`, when the device sent one. */
  aim?: string;
  /** Decoder findings, e.g. `layout_suspect`, `timeout_framed` (the catalogue: warnings.ts). */
  warnings: DecoderWarning[];
  /** Digits as typed on the keys regardless of layout (keyboard wedge only), so the payment guard
   * can see a PAN even when a layout mismatch turned it into other characters. */
  digitView?: string;
}

const utf8 = new TextEncoder();

/** A frame from typed text (test scans, manual entry): a leading AIM id is split off as a scanner's. */
export function frameFromText(text: string): Frame {
  const aim = aimPrefixOf(text);
  const body = aim === undefined ? text : text.slice(aim.length);
  const frame: Frame = { bytes: utf8.encode(body), text: body, warnings: [] };
  if (aim !== undefined) frame.aim = aim;
  return frame;
}
