// HID keyboard page (0x07) usages and boot-report modifier bits the wedge decoder needs by name
// (docs/scanners-and-readers.md §1.1, §1.3). Everything else is looked up in the layout tables.

/** Modifier byte of a boot report: b0 LCtrl … b7 RGUI (docs/scanners-and-readers.md §1.1). */
export const Modifier = {
  leftCtrl: 0x01,
  leftShift: 0x02,
  leftAlt: 0x04,
  leftGui: 0x08,
  rightCtrl: 0x10,
  rightShift: 0x20,
  rightAlt: 0x40,
  rightGui: 0x80,
} as const;

export const SHIFT_BITS = Modifier.leftShift | Modifier.rightShift;
export const CTRL_BITS = Modifier.leftCtrl | Modifier.rightCtrl;

export const Usage = {
  /** Phantom states: ErrorRollOver, POSTFail, ErrorUndefined — never key presses (HID 1.11 §C). */
  errorRollOver: 0x01,
  errorUndefined: 0x03,
  letterA: 0x04,
  letterZ: 0x1d,
  digit1: 0x1e,
  digit0: 0x27,
  enter: 0x28,
  tab: 0x2b,
  capsLock: 0x39,
  numLock: 0x53,
  keypadEnter: 0x58,
  keypad1: 0x59,
  keypad0: 0x62,
  /** Modifiers may also appear in the key array as usages 0xE0–0xE7 (LCtrl … RGUI). */
  firstModifier: 0xe0,
  lastModifier: 0xe7,
} as const;

/** Digit of a top-row (0x1E–0x27) or keypad (0x59–0x62) key by *position*, or undefined.
 * Both rows run 1…9 then 0, independent of layout and Shift
 * (docs/scanners-and-readers.md §0 rule 8, §4.2 rule 3). */
export function digitOfPosition(usage: number): string | undefined {
  if (usage >= Usage.digit1 && usage <= Usage.digit0) return String((usage - Usage.digit1 + 1) % 10);
  if (usage >= Usage.keypad1 && usage <= Usage.keypad0) return String((usage - Usage.keypad1 + 1) % 10);
  return undefined;
}

/** Digit of a keypad key only (Alt+numpad composition uses the keypad,
 * docs/scanners-and-readers.md §0 rule 5). */
export function keypadDigit(usage: number): string | undefined {
  return usage >= Usage.keypad1 && usage <= Usage.keypad0 ? digitOfPosition(usage) : undefined;
}
