// Ctrl+key → ASCII control character, the common way wedges type GS/RS/EOT
// (docs/scanners-and-readers.md §1.7, §8 item 10). Letters follow the layout's letter (Ctrl+D → EOT
// on every layout). `@ [ \ ] ^ _` follow the character the key gives on a *US* keyboard at the
// current Shift level, because on other countries those symbols sit on AltGr and the scanner's
// "Ctrl+]" is the key that is `]` on a US keyboard ("ctrl-letter-us",
// docs/scanners-and-readers.md §6.6). So Ctrl+Shift+6 (`^`) is RS, while Ctrl+6 stays `6`: V-USB
// readers report byte 0 = 0x01 (LCtrl) on every digit (docs/scanners-and-readers.md §1.1, S45).

import type { KeyboardLayout } from './layout-types.ts';
import { usLayout } from './layout-us.ts';

/** The control character for Ctrl+usage, or undefined when the key has no control meaning. */
export function controlCharFor(usage: number, shift: boolean, layout: KeyboardLayout): string | undefined {
  const letter = layout.keys.get(usage)?.base;
  if (typeof letter === 'string' && /^[a-z]$/.test(letter)) {
    return String.fromCharCode(letter.charCodeAt(0) & 0x1f);
  }
  const us = usLayout.keys.get(usage);
  const char = shift ? us?.shift : us?.base;
  if (typeof char === 'string' && /^[@[\\\]^_]$/.test(char)) {
    return String.fromCharCode(char.charCodeAt(0) & 0x1f);
  }
  return undefined;
}
