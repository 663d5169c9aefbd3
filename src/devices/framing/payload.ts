// Shared by the serial framer and the HID POS assembler: turns the payload bytes of one scan into the
// `Frame` every downstream part consumes (src/devices/types.ts).

import type { Frame } from '../types.ts';
import { decodeCp1252 } from './cp1252.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const UTF8_BOM = [0xef, 0xbb, 0xbf];
const AIM_FLAG = 0x5d; // ']'

/** Strict UTF-8 when valid, else CP1252 (reference §6.6 `charset: utf8-or-cp1252`). */
export function decodePayloadText(bytes: Uint8Array): { text: string; utf8: boolean } {
  try {
    return { text: utf8.decode(bytes), utf8: true };
  } catch {
    return { text: decodeCp1252(bytes), utf8: false };
  }
}

export function stripUtf8Bom(bytes: Uint8Array): Uint8Array {
  return startsWith(bytes, UTF8_BOM) ? bytes.subarray(UTF8_BOM.length) : bytes;
}

/** `]cm`: flag `]`, symbology letter, modifier character (ISO/IEC 15424; reference §3.1). */
export function hasAimPrefix(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === AIM_FLAG && isAsciiLetter(bytes[1]!) && isAsciiAlnum(bytes[2]!);
}

/** The AIM id in 3 bytes at `offset`, or undefined when those bytes are not one (zeros, other data). */
export function readAim(bytes: Uint8Array, offset: number): string | undefined {
  const candidate = bytes.subarray(offset, offset + 3);
  return hasAimPrefix(candidate) ? String.fromCharCode(...candidate) : undefined;
}

/** Builds the frame; adds the findings about the payload itself to `warnings`. */
export function buildFrame(payload: Uint8Array, aim: string | undefined, warnings: string[]): Frame {
  // NUL is legitimate binary data on HID POS/CDC (reference §0 rule 1) and is kept; the warning tells
  // the till that the text holds a U+0000 it may not display.
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

function isAsciiLetter(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}

function isAsciiAlnum(b: number): boolean {
  return isAsciiLetter(b) || (b >= 0x30 && b <= 0x39);
}
