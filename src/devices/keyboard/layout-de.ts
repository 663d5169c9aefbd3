// German keyboard country (ISO T1, as a scanner set to "Germany" types it for Windows): Y/Z swapped,
// symbols moved, AltGr for `@ € µ { [ ] } \ ~ |`, dead keys `^ ´ ``
// (docs/scanners-and-readers.md §1.3, §1.5).

import { controlKeys, type KeyTable, keypadKeys, letterKeys } from './layout-common.ts';
import type { KeyboardLayout } from './layout-types.ts';

const deOverrides: KeyTable = [
  [0x08, { base: 'e', shift: 'E', altGr: '€', caps: true }],
  [0x10, { base: 'm', shift: 'M', altGr: 'µ', caps: true }],
  [0x14, { base: 'q', shift: 'Q', altGr: '@', caps: true }],
  [0x1c, { base: 'z', shift: 'Z', caps: true }],
  [0x1d, { base: 'y', shift: 'Y', caps: true }],
  // `!` is on Shift+1: the Android scanner app forgot it and silently dropped it
  // (docs/scanners-and-readers.md §1.4).
  [0x1e, { base: '1', shift: '!' }],
  [0x1f, { base: '2', shift: '"', altGr: '²' }],
  [0x20, { base: '3', shift: '§', altGr: '³' }],
  [0x21, { base: '4', shift: '$' }],
  [0x22, { base: '5', shift: '%' }],
  [0x23, { base: '6', shift: '&' }],
  [0x24, { base: '7', shift: '/', altGr: '{' }],
  [0x25, { base: '8', shift: '(', altGr: '[' }],
  [0x26, { base: '9', shift: ')', altGr: ']' }],
  [0x27, { base: '0', shift: '=', altGr: '}' }],
  [0x2d, { base: 'ß', shift: '?', altGr: '\\' }],
  [0x2e, { base: { dead: '´' }, shift: { dead: '`' } }],
  [0x2f, { base: 'ü', shift: 'Ü', caps: true }],
  [0x30, { base: '+', shift: '*', altGr: '~' }],
  // The key right of `ä` may come as 0x31 or 0x32 depending on the scanner
  // (docs/scanners-and-readers.md §1.3, §8 item 14).
  [0x31, { base: '#', shift: "'" }],
  [0x32, { base: '#', shift: "'" }],
  [0x33, { base: 'ö', shift: 'Ö', caps: true }],
  [0x34, { base: 'ä', shift: 'Ä', caps: true }],
  [0x35, { base: { dead: '^' }, shift: '°' }],
  [0x36, { base: ',', shift: ';' }],
  [0x37, { base: '.', shift: ':' }],
  [0x38, { base: '-', shift: '_' }],
  [0x64, { base: '<', shift: '>', altGr: '|' }],
];

export const deLayout: KeyboardLayout = {
  name: 'de',
  hasAltGr: true,
  // Later entries win: the overrides replace the plain letters e, m, q, y, z.
  keys: new Map([...letterKeys(), ...deOverrides, ...keypadKeys(','), ...controlKeys()]),
};
