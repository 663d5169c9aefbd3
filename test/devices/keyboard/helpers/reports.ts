// Builders for raw keyboard reports so fixtures read like what the scanner typed. Typing text goes
// through a layout's table in reverse (the key a scanner set to that country presses for a char);
// tests that prove the tables themselves use explicit usages instead.

import type { KeyEntry, KeySymbol } from '../../../../src/devices/keyboard/layout-types.ts';
import { getLayout } from '../../../../src/devices/keyboard/layouts.ts';

export const LCTRL = 0x01;
export const LSHIFT = 0x02;
export const LALT = 0x04;
export const RCTRL = 0x10;
export const RSHIFT = 0x20;
export const RALT = 0x40;

export const ENTER = 0x28;
export const TAB = 0x2b;
export const SPACE = 0x2c;
export const CAPS_LOCK = 0x39;
export const NUM_LOCK = 0x53;
export const KP_ENTER = 0x58;

/** An 8-byte boot report `[mods, 0, k1..k6]`. */
export function report(modifiers: number, ...keys: number[]): Uint8Array {
  if (keys.length > 6) throw new Error('a boot report holds at most 6 keys');
  const bytes = new Uint8Array(8);
  bytes[0] = modifiers;
  bytes.set(keys, 2);
  return bytes;
}

export const RELEASE = report(0);

/** Press then release one key. */
export function tap(usage: number, modifiers = 0): Uint8Array[] {
  return [report(modifiers, usage), RELEASE];
}

/** Keypad usage for a digit character: KP1 = 0x59 … KP9 = 0x61, KP0 = 0x62. */
export function keypad(digit: string): number {
  return digit === '0' ? 0x62 : 0x58 + Number(digit);
}

interface Stroke {
  usage: number;
  modifiers: number;
}

function findStroke(layoutName: string, char: string): Stroke[] {
  if (char === '\r') return [{ usage: ENTER, modifiers: 0 }];
  if (char === '\t') return [{ usage: TAB, modifiers: 0 }];
  const keys = [...getLayout(layoutName).keys].sort(([a], [b]) => {
    // Scanners use the main block; the keypad only when nothing else has the character.
    const keypadA = a >= 0x54 && a <= 0x63 ? 1 : 0;
    const keypadB = b >= 0x54 && b <= 0x63 ? 1 : 0;
    return keypadA - keypadB || a - b;
  });
  const levels: Array<[Exclude<keyof KeyEntry, 'caps'>, number]> = [
    ['base', 0],
    ['shift', LSHIFT],
    ['altGr', RALT],
  ];
  for (const [usage, entry] of keys) {
    for (const [level, modifiers] of levels) {
      const symbol: KeySymbol | undefined = entry[level];
      if (symbol === char) return [{ usage, modifiers }];
      // A literal accent on a dead key is typed as accent + Space
      // (docs/scanners-and-readers.md §1.5).
      if (typeof symbol === 'object' && symbol.dead === char) {
        return [
          { usage, modifiers },
          { usage: SPACE, modifiers: 0 },
        ];
      }
    }
  }
  throw new Error(`layout ${layoutName} has no key for ${JSON.stringify(char)}`);
}

/** The reports a scanner set to `layoutName` sends for `text`: press, release for every char. */
export function typeText(layoutName: string, text: string): Uint8Array[] {
  const reports: Uint8Array[] = [];
  for (const char of text) {
    for (const stroke of findStroke(layoutName, char)) {
      reports.push(report(stroke.modifiers, stroke.usage), RELEASE);
    }
  }
  return reports;
}

/** Prefix every report with a report ID byte (composite devices, 9-byte reports). */
export function withReportId(id: number, reports: Uint8Array[]): Uint8Array[] {
  return reports.map((r) => Uint8Array.from([id, ...r]));
}

/** Raw bytes as written in a dump, e.g. `bytes(1, 0, 30)`. */
export function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}
