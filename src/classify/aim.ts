// AIM symbology identifiers `]cm` → symbology names (docs/scanners-and-readers.md §3.1, sources
// S64–S66), and a content-based guess when a scanner sends no AIM
// (docs/scanners-and-readers.md §8 item 23: "AIM absent when expected"). FNC1 in first position
// shows in the modifier (`]C1`, `]d2`, `]Q3`), which is how a GS1 scan is told apart from plain
// Code 128 / DataMatrix / QR (docs/scanners-and-readers.md §7.2).

import { readEanProduct } from './ean-upc.ts';

/** `]cm`: flag `]`, symbology letter, modifier character (ISO/IEC 15424). Scanners set to transmit it
 * put it before the data; every framer splits it off with these two functions. */
const AIM_PREFIX = /^\][A-Za-z][0-9A-Za-z]/;
const AIM_FLAG = 0x5d; // ']'

/** The AIM id at the start of `text`, or undefined. */
export function aimPrefixOf(text: string): string | undefined {
  return AIM_PREFIX.exec(text)?.[0];
}

/** The AIM id in the 3 bytes at `offset`, or undefined when those bytes are not one (zeros, data). */
export function aimPrefixOfBytes(bytes: Uint8Array, offset = 0): string | undefined {
  if (bytes.length < offset + 3 || bytes[offset] !== AIM_FLAG) return undefined;
  const letter = bytes[offset + 1]!;
  const modifier = bytes[offset + 2]!;
  return isAsciiLetter(letter) && (isAsciiLetter(modifier) || (modifier >= 0x30 && modifier <= 0x39))
    ? String.fromCharCode(AIM_FLAG, letter, modifier)
    : undefined;
}

function isAsciiLetter(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}

const EXACT: Readonly<Record<string, string>> = {
  ']E0': 'ean-13',
  ']E1': 'ean-addon-2',
  ']E2': 'ean-addon-5',
  ']E3': 'ean-13-addon',
  ']E4': 'ean-8',
  ']C0': 'code-128',
  ']C1': 'gs1-128',
  ']C2': 'code-128',
  ']C4': 'code-128',
  ']d0': 'datamatrix',
  ']d1': 'datamatrix',
  ']d2': 'gs1-datamatrix',
  ']d3': 'datamatrix',
  ']d4': 'datamatrix',
  ']d5': 'gs1-datamatrix',
  ']d6': 'datamatrix',
  ']Q0': 'qr-model-1',
  ']Q1': 'qr',
  ']Q2': 'qr',
  ']Q3': 'gs1-qr',
  ']Q4': 'gs1-qr',
  ']Q5': 'qr',
  ']Q6': 'qr',
  ']e0': 'gs1-databar',
  ']e1': 'gs1-databar',
  ']e2': 'gs1-databar',
  ']e3': 'gs1-databar',
  ']I0': 'itf',
  ']I1': 'itf',
  ']I3': 'itf',
};

/** Families by the code letter, for modifiers not listed above. */
const BY_LETTER: Readonly<Record<string, string>> = {
  A: 'code-39',
  B: 'telepen',
  C: 'code-128',
  D: 'code-one',
  E: 'ean-upc',
  F: 'codabar',
  G: 'code-93',
  H: 'code-11',
  I: 'itf',
  K: 'code-16k',
  L: 'pdf417',
  M: 'msi',
  N: 'anker',
  O: 'codablock',
  P: 'plessey',
  Q: 'qr',
  R: 'straight-2of5',
  S: 'straight-2of5',
  U: 'maxicode',
  X: 'other',
  Z: 'non-barcode',
  d: 'datamatrix',
  e: 'gs1-databar',
  z: 'aztec',
};

const GS1_AIMS: ReadonlySet<string> = new Set([']C1', ']d2', ']Q3', ']Q4', ']e0', ']e1', ']e2', ']e3']);

/** Symbology name for an AIM id, or undefined when there is none or it is not an AIM id. */
export function symbologyFromAim(aim: string | undefined): string | undefined {
  if (aim === undefined || aim.length !== 3 || aim[0] !== ']') return undefined;
  return EXACT[aim] ?? BY_LETTER[aim[1]!];
}

/** True for AIM ids that announce GS1 element strings (FNC1 in first position, or GS1 DataBar). */
export function isGs1Aim(aim: string | undefined): boolean {
  return aim !== undefined && GS1_AIMS.has(aim);
}

/** True for AIM ids that announce a whole EAN/UPC product code (`]E0`, `]E3`, `]E4`; not the
 * add-on-only `]E1`/`]E2`). */
export function announcesEanProduct(aim: string | undefined): boolean {
  return aim === ']E0' || aim === ']E3' || aim === ']E4';
}

/** True when a `%` in the data of this symbology may stand for FNC1 (GS1 QR,
 * docs/scanners-and-readers.md §7.2). */
export function allowsPercentSeparator(aim: string | undefined): boolean {
  return aim === ']Q3' || aim === ']Q4';
}

/** Without an AIM: EAN-13 / UPC-A / EAN-8 / UPC-E by length and check digit, else `unknown`. */
export function inferSymbology(content: string): string {
  return readEanProduct(content, undefined)?.symbology ?? 'unknown';
}
