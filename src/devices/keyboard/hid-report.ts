// Raw hidraw input report → modifiers + key array, for the report shapes keyboard wedges send
// (docs/scanners-and-readers.md §1.1): 8-byte boot reports `[mods, 0, k1..k6]`, 9-byte reports with
// a report-ID prefix (composite devices), 3-byte V-USB reports `[mods, 0, key]` (16c0:27db
// "HIDKeys") and 2-byte `[mods, key]` reports left once a configured report ID is stripped.

import { Usage } from './hid-usages.ts';

export interface KeyboardReport {
  modifiers: number;
  /** Pressed usages in array order, without empty slots and duplicates. */
  keys: number[];
}

export type ParsedReport =
  | { kind: 'keys'; report: KeyboardReport }
  /** Phantom state (ErrorRollOver & co.): the keyboard could not tell which keys are down. */
  | { kind: 'phantom' }
  /** A report of another collection of a composite device (its ID is not the keyboard's). */
  | { kind: 'foreign' }
  | { kind: 'invalid'; length: number };

/**
 * @param reportId the keyboard's report ID when the device numbers its reports; without it a
 *   9-byte report is taken to carry an ID in byte 0 (hidraw puts it first,
 *   docs/scanners-and-readers.md §1.1, S43).
 */
export function parseKeyboardReport(raw: Uint8Array, reportId?: number): ParsedReport {
  let body = raw;
  if (reportId !== undefined) {
    if (raw.length < 3) return { kind: 'invalid', length: raw.length };
    if (raw[0] !== reportId) return { kind: 'foreign' };
    body = raw.subarray(1);
  } else if (raw.length === 9) {
    body = raw.subarray(1);
  }
  if (body.length < 2 || body.length > 8) return { kind: 'invalid', length: raw.length };

  // Byte 1 is reserved in 3- to 8-byte layouts; a bare 2-byte report has no reserved byte.
  const slots = body.length === 2 ? body.subarray(1) : body.subarray(2);
  let modifiers = body[0]!;
  const keys: number[] = [];
  let phantom = false;
  for (const usage of slots) {
    if (usage === 0) continue;
    if (usage >= Usage.errorRollOver && usage <= Usage.errorUndefined) phantom = true;
    else if (usage >= Usage.firstModifier && usage <= Usage.lastModifier) {
      // Some firmwares list modifiers in the key array as well; fold them into the bit mask.
      modifiers |= 1 << (usage - Usage.firstModifier);
    } else if (!keys.includes(usage)) keys.push(usage);
  }
  // HID 1.11 App. C: in ErrorRollOver every slot reports 0x01 — the array says nothing valid.
  if (phantom) return { kind: 'phantom' };
  return { kind: 'keys', report: { modifiers, keys } };
}
