// Shared by the serial framer and the HID POS assembler: turns the payload bytes of one scan into the
// `Frame` every downstream part consumes (src/devices/types.ts).

import type { Frame } from '../../classify/frame.ts';
import type { DecoderWarning } from '../../classify/warnings.ts';
import { decodeCp1252 } from './cp1252.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const UTF8_BOM = [0xef, 0xbb, 0xbf];

/** Strict UTF-8 when valid, else CP1252 (docs/scanners-and-readers.md §6.6
 * `charset: utf8-or-cp1252`). */
export function decodePayloadText(bytes: Uint8Array): { text: string; utf8: boolean } {
  // Most scans are short ASCII: read as such without a call into the decoder (scan latency path).
  // (apply, not a spread: a spread walks the bytes through the iterator protocol, ~5x slower.)
  if (bytes.length <= 64 && isAscii(bytes))
    return { text: String.fromCharCode.apply(null, bytes as unknown as number[]), utf8: true };
  try {
    return { text: utf8.decode(bytes), utf8: true };
  } catch {
    return { text: decodeCp1252(bytes), utf8: false };
  }
}

function isAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! > 0x7f) return false;
  return true;
}

export function stripUtf8Bom(bytes: Uint8Array): Uint8Array {
  return startsWith(bytes, UTF8_BOM) ? bytes.subarray(UTF8_BOM.length) : bytes;
}

/** Builds the frame; adds the findings about the payload itself to `warnings`. */
export function buildFrame(payload: Uint8Array, aim: string | undefined, warnings: DecoderWarning[]): Frame {
  // NUL is legitimate binary data on HID POS/CDC (docs/scanners-and-readers.md §0 rule 1) and is
  // kept; the warning tells the till that the text holds a U+0000 it may not display.
  if (payload.includes(0x00)) warnings.push('nul_in_data');
  const { text, utf8: isUtf8 } = decodePayloadText(payload);
  if (!isUtf8) warnings.push('non_utf8');
  const frame: Frame = { bytes: payload, text, warnings };
  if (aim !== undefined) frame.aim = aim;
  return frame;
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}
