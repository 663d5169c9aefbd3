// Frames as the drivers hand them to the classifier (src/classify/frame.ts).
import type { Frame } from '../../../src/classify/index.ts';

const utf8 = new TextEncoder();

/** A frame whose bytes are the UTF-8 of `text` (HID POS/serial with UTF-8 data, keyboard wedge). */
export function frame(text: string, extra: Partial<Omit<Frame, 'text'>> = {}): Frame {
  return { bytes: utf8.encode(text), text, warnings: [], ...extra };
}

/** Every substring of 4+ digits of `pan`: none of them may appear in a rejection. */
export function panFragments(pan: string): string[] {
  const digits = pan.replace(/[^0-9]/g, '');
  const fragments: string[] = [];
  for (let start = 0; start < digits.length; start++) {
    for (let end = start + 4; end <= digits.length; end++) fragments.push(digits.slice(start, end));
  }
  return fragments;
}
