// Shape of a keyboard layout table: what a HID usage (page 0x07) means on the keyboard country the
// scanner is configured for (docs/scanners-and-readers.md §0 rule 3, §1.3). On hidraw there is no
// OS layout, so these tables are the only place where key positions become characters.

/** A dead key: produces nothing until the next key, then composes with it
 * (docs/scanners-and-readers.md §1.5). */
export interface DeadKey {
  readonly dead: string;
}

/** What one shift level of a key produces: a character (string) or a dead key. */
export type KeySymbol = string | DeadKey;

export interface KeyEntry {
  readonly base?: KeySymbol;
  readonly shift?: KeySymbol;
  readonly altGr?: KeySymbol;
  /** CapsLock inverts Shift for this key (letters, and umlauts on `de`). */
  readonly caps?: boolean;
}

export interface KeyboardLayout {
  readonly name: string;
  /** Whether RAlt (and Ctrl+LAlt) act as AltGr; on `us` RAlt is a plain Alt. */
  readonly hasAltGr: boolean;
  readonly keys: ReadonlyMap<number, KeyEntry>;
}

export function isDeadKey(symbol: KeySymbol | undefined): symbol is DeadKey {
  return typeof symbol === 'object';
}
