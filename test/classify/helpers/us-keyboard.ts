// The boot reports a magstripe reader configured for the US keymap sends for a text, built from the
// gateway's own US layout table, so a test can decode them with another layout
// (docs/scanners-and-readers.md §4.2 rule 3, §8 item 32).
import { getLayout } from '../../../src/devices/keyboard/index.ts';

const LSHIFT = 0x02;
const ENTER = 0x28;

function report(modifiers: number, usage: number): Uint8Array {
  const bytes = new Uint8Array(8);
  bytes[0] = modifiers;
  bytes[2] = usage;
  return bytes;
}

export function typedOnUsKeyboard(text: string): Uint8Array[] {
  const us = getLayout('us');
  const reports: Uint8Array[] = [];
  for (const char of [...text, '\r']) {
    let stroke: [number, number] | undefined;
    if (char === '\r') stroke = [ENTER, 0];
    for (const [usage, entry] of us.keys) {
      if (stroke !== undefined) break;
      if (usage >= 0x54 && usage <= 0x63) continue; // main block only, as readers type
      if (entry.base === char) stroke = [usage, 0];
      else if (entry.shift === char) stroke = [usage, LSHIFT];
    }
    if (stroke === undefined) throw new Error(`no US key for ${JSON.stringify(char)}`);
    reports.push(report(stroke[1], stroke[0]), new Uint8Array(8));
  }
  return reports;
}
