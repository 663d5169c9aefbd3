// US keyboard country, the recommended scanner setting (docs/scanners-and-readers.md §0 rule 3,
// §1.3 table "US").

import { controlKeys, type KeyTable, keypadKeys, letterKeys } from './layout-common.ts';
import type { KeyboardLayout } from './layout-types.ts';

const usSymbols: KeyTable = [
  [0x1e, { base: '1', shift: '!' }],
  [0x1f, { base: '2', shift: '@' }],
  [0x20, { base: '3', shift: '#' }],
  [0x21, { base: '4', shift: '$' }],
  [0x22, { base: '5', shift: '%' }],
  [0x23, { base: '6', shift: '^' }],
  [0x24, { base: '7', shift: '&' }],
  [0x25, { base: '8', shift: '*' }],
  [0x26, { base: '9', shift: '(' }],
  [0x27, { base: '0', shift: ')' }],
  [0x2d, { base: '-', shift: '_' }],
  [0x2e, { base: '=', shift: '+' }],
  [0x2f, { base: '[', shift: '{' }],
  [0x30, { base: ']', shift: '}' }],
  // Linux hid-input maps both 0x31 and 0x32 to KEY_BACKSLASH (docs/scanners-and-readers.md §1.3,
  // S50).
  [0x31, { base: '\\', shift: '|' }],
  [0x32, { base: '\\', shift: '|' }],
  [0x33, { base: ';', shift: ':' }],
  [0x34, { base: "'", shift: '"' }],
  [0x35, { base: '`', shift: '~' }],
  [0x36, { base: ',', shift: '<' }],
  [0x37, { base: '.', shift: '>' }],
  [0x38, { base: '/', shift: '?' }],
  // ISO key 0x64 is not sent by US scanners; xkb `us` gives `<`/`>`
  // (docs/scanners-and-readers.md §1.3).
  [0x64, { base: '<', shift: '>' }],
];

export const usLayout: KeyboardLayout = {
  name: 'us',
  hasAltGr: false,
  keys: new Map([...letterKeys(), ...usSymbols, ...keypadKeys('.'), ...controlKeys()]),
};
