// Parts every layout shares: the letter block, the keypad and the control keys. Keypad usages are
// sent independently of NumLock, so they always decode as digits (docs/scanners-and-readers.md §1.5
// NumLock).

import type { KeyEntry } from './layout-types.ts';

export type KeyTable = Array<[usage: number, entry: KeyEntry]>;

/** Letters a–z on usages 0x04–0x1D in alphabetical (US) order; CapsLock applies to them. */
export function letterKeys(): KeyTable {
  const table: KeyTable = [];
  for (let i = 0; i < 26; i++) {
    const letter = String.fromCharCode(0x61 + i);
    table.push([0x04 + i, { base: letter, shift: letter.toUpperCase(), caps: true }]);
  }
  return table;
}

/** Keypad `/ * - +`, digits 1…9 0 (0x59–0x62) and the decimal key, which differs per country. */
export function keypadKeys(decimal: string): KeyTable {
  const table: KeyTable = [
    [0x54, { base: '/', shift: '/' }],
    [0x55, { base: '*', shift: '*' }],
    [0x56, { base: '-', shift: '-' }],
    [0x57, { base: '+', shift: '+' }],
    [0x63, { base: decimal, shift: decimal }],
  ];
  for (let i = 0; i < 10; i++) {
    const digit = String((i + 1) % 10);
    table.push([0x59 + i, { base: digit, shift: digit }]);
  }
  return table;
}

/** Keys scanners use for control characters in "control character emulation"
 * (docs/scanners-and-readers.md §1.7): Esc → ESC, Backspace → BS, Delete → DEL, and Space. Enter
 * and Tab are framing keys, handled by the decoder itself. */
export function controlKeys(): KeyTable {
  return [
    [0x29, { base: '\x1b', shift: '\x1b' }],
    [0x2a, { base: '\b', shift: '\b' }],
    [0x2c, { base: ' ', shift: ' ' }],
    [0x4c, { base: '\x7f', shift: '\x7f' }],
  ];
}
