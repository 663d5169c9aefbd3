// RFID/NFC UID normalisation (docs/scanners-and-readers.md §0 rule 9, §5, §8 items 33–36). A UID
// reader types the same tag in many ways; the profile says which (`uidFormat`, `byteOrder`) and we
// turn it into one canonical form: upper-case hex, most significant byte first, of all bytes the
// reader delivered.
//
// Formats (what the reader emits):
//   hex    8/10/14/20 hex digits (4-byte MIFARE, 40-bit EM4100 "10H", 7-byte, 10-byte), optionally
//          with `:`/`-`/space between bytes.
//   dec10  decimal of 32 bits (EM4100 "DEZ 10": the low 32 of its 40 bits; or a 4-byte MIFARE UID).
//   dec8   decimal of the low 24 bits (EM4100 "DEZ 8").
//   w26    Wiegand-26 "3+5": facility (byte 2, 3 digits) + card (low 16 bits, 5 digits), as
//          `FFF,NNNNN` or `FFFNNNNN`.
//   dec    decimal of a whole UID of any size, via BigInt (7-byte UIDs exceed 2^53): the byte
//          count follows from the value (< 2^32: 4, < 2^40: 5, < 2^56: 7, < 2^80: 10).
//   auto   guess: `F,N` → w26; hex letters → hex; 14/20 digits → hex; 8 digits → dec8 and 10
//          digits → dec10, both flagged `uid_format_ambiguous` (they could be hex without letters);
//          other digit strings → dec10 up to 2^32, dec beyond. Set the format in the profile.
//
// `byteOrder: 'lsb'` reverses the bytes of hex/dec10/dec input ("8H REVERSE" readers,
// docs/scanners-and-readers.md §5.2: `0563537489` is 0x2196E651, the MFRC522 reads `51E69621`). It
// does not apply to the 24-bit forms, whose facility/card split is not a byte order.
//
// 24-bit forms (dec8, w26) carry only 24 of EM4100's 40 bits, so they cannot yield the same hex as
// a 10H reader; their canonical form is `W26:FFF:NNNNN` (zero-padded decimal), which makes the
// truncation visible. `uidCanonical` narrows every reader of a site to a common form: `low32`
// keeps the low 4 bytes, `w26` the low 24 bits, so a DEZ10, a DEZ8, a W26 and a 10H reader all give
// `W26:090:47966` for the tag `01 09 5A BB 5E` (docs/scanners-and-readers.md §8 item 33).
//
// Random UIDs (docs/scanners-and-readers.md §5.2): a 4-byte UID whose first byte is 0x08 is
// generated anew per tap (ISO/IEC 14443-3; payment cards, phones) and is refused (`random_uid`). A
// 125 kHz EM4100 reader in dec10 cannot tell, so its profile may set `rejectRandomUid: false` (1 in
// 256 EM tags starts with 0x08 in its low 32 bits).

import type { UidDetails } from './classification.ts';
import type { ClassifyWarning } from './warnings.ts';

export type UidFormat = 'auto' | 'hex' | 'dec10' | 'dec8' | 'w26' | 'dec';
export type UidCanonicalForm = 'full' | 'low32' | 'w26';

export interface UidSettings {
  uidFormat: UidFormat;
  byteOrder: 'msb' | 'lsb';
  uidCanonical: UidCanonicalForm;
  rejectRandomUid: boolean;
}

/** A read UID (canonical, hex, bits, format): the classification's `uid` detail. */
export type Uid = UidDetails;

export type UidResult =
  | { ok: true; uid: Uid; warnings: ClassifyWarning[] }
  | { ok: false; reason: 'random_uid' | 'uid_unparseable'; warnings: ClassifyWarning[] };

const DEFAULT_SETTINGS: UidSettings = {
  uidFormat: 'auto',
  byteOrder: 'msb',
  uidCanonical: 'full',
  rejectRandomUid: true,
};

const HEX_SEPARATED = /^[0-9A-Fa-f]{2}(?:[:\- ][0-9A-Fa-f]{2})+$/;
const HEX = /^[0-9A-Fa-f]+$/;
const HEX_LENGTHS: ReadonlySet<number> = new Set([8, 10, 14, 20]);
const W26_SEPARATED = /^([0-9]{1,3}) *[,.:;/ -] *([0-9]{1,5})$/;
const W26_PLAIN = /^([0-9]{3})([0-9]{5})$/;
const DECIMAL = /^[0-9]+$/;

function bytesOfBigInt(value: bigint, count: number): number[] {
  const bytes: number[] = [];
  for (let i = count - 1; i >= 0; i--) bytes.push(Number((value >> BigInt(i * 8)) & 0xffn));
  return bytes;
}

function fromHex(s: string): number[] | undefined {
  const compact = HEX_SEPARATED.test(s) ? s.replace(/[:\- ]/g, '') : s;
  if (!HEX.test(compact) || !HEX_LENGTHS.has(compact.length)) return undefined;
  return bytesOfBigInt(BigInt(`0x${compact}`), compact.length / 2);
}

function fromDecimal(s: string, maxDigits: number, maxValue: bigint, bytes: number): number[] | undefined {
  if (!DECIMAL.test(s) || s.length > maxDigits) return undefined;
  const value = BigInt(s);
  return value <= maxValue ? bytesOfBigInt(value, bytes) : undefined;
}

function fromW26(s: string): number[] | undefined {
  const m = W26_SEPARATED.exec(s) ?? W26_PLAIN.exec(s);
  if (m === null) return undefined;
  const facility = Number(m[1]);
  const card = Number(m[2]);
  if (facility > 0xff || card > 0xffff) return undefined;
  return [facility, card >> 8, card & 0xff];
}

function fromAnySizeDecimal(s: string): number[] | undefined {
  if (!DECIMAL.test(s) || s.length > 25) return undefined;
  const value = BigInt(s);
  for (const [count, limit] of [
    [4, 1n << 32n],
    [5, 1n << 40n],
    [7, 1n << 56n],
    [10, 1n << 80n],
  ] as const) {
    if (value < limit) return bytesOfBigInt(value, count);
  }
  return undefined;
}

function read(s: string, format: Exclude<UidFormat, 'auto'>): number[] | undefined {
  switch (format) {
    case 'hex':
      return fromHex(s);
    case 'dec10':
      return fromDecimal(s, 10, 0xffffffffn, 4);
    case 'dec8':
      return fromDecimal(s, 8, 0xffffffn, 3);
    case 'w26':
      return fromW26(s);
    case 'dec':
      return fromAnySizeDecimal(s);
  }
}

function guessFormat(s: string): { format: Exclude<UidFormat, 'auto'>; ambiguous: boolean } {
  if (W26_SEPARATED.test(s)) return { format: 'w26', ambiguous: false };
  if (!DECIMAL.test(s)) return { format: 'hex', ambiguous: false };
  if (s.length === 14 || s.length === 20) return { format: 'hex', ambiguous: false };
  if (s.length === 8) return { format: 'dec8', ambiguous: true };
  if (s.length <= 10 && BigInt(s) <= 0xffffffffn) return { format: 'dec10', ambiguous: s.length === 10 };
  return { format: 'dec', ambiguous: false };
}

function hexOf(bytes: readonly number[]): string {
  return bytes
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();
}

function canonicalOf(bytes: readonly number[]): string {
  if (bytes.length !== 3) return hexOf(bytes);
  const [facility, hi, lo] = bytes as [number, number, number];
  return `W26:${String(facility).padStart(3, '0')}:${String(hi * 256 + lo).padStart(5, '0')}`;
}

function narrow(bytes: readonly number[], form: UidCanonicalForm): readonly number[] {
  if (form === 'low32' && bytes.length > 4) return bytes.slice(-4);
  if (form === 'w26' && bytes.length > 3) return bytes.slice(-3);
  return bytes;
}

/** Reads a UID as typed by a reader into its canonical form. Never throws. */
export function normaliseUid(text: string, settings: Partial<UidSettings> = {}): UidResult {
  const s = { ...DEFAULT_SETTINGS, ...settings };
  const input = typeof text === 'string' ? text.trim() : '';
  const warnings: ClassifyWarning[] = [];
  if (input.length === 0 || input.length > 64) return { ok: false, reason: 'uid_unparseable', warnings };
  let format: Exclude<UidFormat, 'auto'>;
  if (s.uidFormat === 'auto') {
    const guess = guessFormat(input);
    format = guess.format;
    if (guess.ambiguous) warnings.push('uid_format_ambiguous');
  } else {
    format = s.uidFormat;
  }
  const read24 = format === 'dec8' || format === 'w26';
  const emitted = read(input, format);
  if (emitted === undefined) return { ok: false, reason: 'uid_unparseable', warnings };
  const bytes = s.byteOrder === 'lsb' && !read24 ? [...emitted].reverse() : emitted;
  if (s.rejectRandomUid && bytes.length === 4 && bytes[0] === 0x08) {
    return { ok: false, reason: 'random_uid', warnings };
  }
  const kept = narrow(bytes, s.uidCanonical);
  return {
    ok: true,
    uid: { canonical: canonicalOf(kept), hex: hexOf(bytes), bits: kept.length * 8, format },
    warnings,
  };
}
