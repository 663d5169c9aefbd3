// Per-device key state machine (docs/scanners-and-readers.md §0 rule 2, §1.2): turns parsed reports
// into characters. A key counts when its usage *appears* (was not in the previous report), in array
// order, with the modifiers of the same report. It owns the device state that outlives a single
// report: keys held, CapsLock, a pending dead key and an Alt+numpad code being typed. Framing is
// someone else's job: frame keys are handed out as `end()`.

import { decodeAltCode, type OemCodePage } from './code-pages.ts';
import { controlCharFor } from './control-chars.ts';
import { composeDeadKey } from './dead-keys.ts';
import type { KeyboardReport } from './hid-report.ts';
import { CTRL_BITS, digitOfPosition, keypadDigit, Modifier, SHIFT_BITS, Usage } from './hid-usages.ts';
import { isDeadKey, type KeyboardLayout, type KeySymbol } from './layout-types.ts';

export interface KeyTranslatorConfig {
  layout: KeyboardLayout;
  oemCodePage: OemCodePage;
  /** CapsLock state when the device is (re)attached. */
  capsLock: boolean;
  /** Usages that end a scan (the configured suffix); other Enter/Tab presses are data. */
  frameKeys: ReadonlySet<number>;
}

export interface KeyEvents {
  /** Characters of one key press. `digitView` has the same length, digit keys read by position. */
  data(text: string, digitView: string): void;
  /** A frame key was pressed. */
  end(): void;
  warning(code: KeyWarning): void;
}

export type KeyWarning = 'alt_modifier' | 'unmapped_key' | 'layout_suspect';

export interface KeyTranslator {
  report(report: KeyboardReport): void;
  /** Resolve what is still pending at the end of a scan (a dead key stays a spacing accent). */
  flushPending(): void;
  /** Forget all device state, as after an unplug. */
  reset(): void;
}

interface Levels {
  shift: boolean;
  altGr: boolean;
  /** Plain Alt (not AltGr): Alt+numpad composition, otherwise no character meaning. */
  alt: boolean;
  ctrl: boolean;
}

export function createKeyTranslator(config: KeyTranslatorConfig, out: KeyEvents): KeyTranslator {
  const { layout } = config;
  let held = new Set<number>();
  let capsLock = config.capsLock;
  let pendingDead: string | null = null;
  let altDigits: string | null = null;

  function levelsOf(modifiers: number): Levels {
    const ctrl = (modifiers & CTRL_BITS) !== 0;
    const leftAlt = (modifiers & Modifier.leftAlt) !== 0;
    const rightAlt = (modifiers & Modifier.rightAlt) !== 0;
    // AltGr = RAlt; Windows also reads Ctrl+LAlt as AltGr (docs/scanners-and-readers.md §1.5).
    const altGr = layout.hasAltGr && (rightAlt || (ctrl && leftAlt));
    const alt = !altGr && (leftAlt || (!layout.hasAltGr && rightAlt));
    return { shift: (modifiers & SHIFT_BITS) !== 0, altGr, alt, ctrl: ctrl && !altGr };
  }

  function emit(char: string, digit?: string): void {
    if (pendingDead === null) {
      out.data(char, digit ?? char);
      return;
    }
    const accent = pendingDead;
    pendingDead = null;
    const composition = composeDeadKey(accent, char);
    if (composition.composed) {
      out.data(composition.text, composition.text);
      return;
    }
    // A DE scanner types a literal accent as accent+Space; anything else hints at a wrong layout.
    out.warning('layout_suspect');
    out.data(accent, accent);
    out.data(char, digit ?? char);
  }

  function flushDead(): void {
    if (pendingDead === null) return;
    const accent = pendingDead;
    pendingDead = null;
    out.warning('layout_suspect');
    out.data(accent, accent);
  }

  function finishAltCode(): void {
    const digits = altDigits ?? '';
    altDigits = null;
    const char = decodeAltCode(digits, config.oemCodePage);
    if (char !== undefined) emit(char);
  }

  function symbolFor(usage: number, levels: Levels): KeySymbol | undefined {
    const entry = layout.keys.get(usage);
    if (entry === undefined) return undefined;
    if (levels.altGr) return entry.altGr;
    const shifted = levels.shift !== (capsLock && entry.caps === true);
    return shifted ? entry.shift : entry.base;
  }

  function press(usage: number, modifiers: number): void {
    // NumLock around Alt sequences is framing, not data (docs/scanners-and-readers.md §1.5, §1.6).
    if (usage === Usage.numLock) return;
    if (usage === Usage.capsLock) {
      capsLock = !capsLock;
      return;
    }
    const levels = levelsOf(modifiers);
    const keypad = keypadDigit(usage);
    // Once started, the code also takes a digit pressed in the report that releases Alt.
    if (keypad !== undefined && (altDigits !== null || levels.alt)) {
      altDigits = (altDigits ?? '') + keypad;
      return;
    }
    if (altDigits !== null) finishAltCode();

    if (config.frameKeys.has(usage)) {
      flushDead();
      out.end();
      return;
    }
    if (usage === Usage.enter || usage === Usage.keypadEnter || usage === Usage.tab) {
      emit(usage === Usage.tab ? '\t' : '\r');
      return;
    }

    if (levels.ctrl) {
      const control = controlCharFor(usage, levels.shift, layout);
      if (control !== undefined) {
        emit(control);
        return;
      }
      // Ctrl on a key without a control meaning keeps the key's character (see control-chars.ts).
    }
    // LAlt + a non-keypad key has no character meaning: keep the character, flag the scan
    // (docs/scanners-and-readers.md §1.5).
    if (levels.alt) out.warning('alt_modifier');

    const symbol = symbolFor(usage, levels);
    if (symbol === undefined) {
      // Missing table entries must not lose characters silently (docs/scanners-and-readers.md §1.4,
      // #385).
      out.warning('unmapped_key');
      return;
    }
    if (isDeadKey(symbol)) {
      flushDead();
      pendingDead = symbol.dead;
      return;
    }
    emit(symbol, digitOfPosition(usage));
  }

  return {
    report(report) {
      for (const usage of report.keys) {
        if (!held.has(usage)) press(usage, report.modifiers);
      }
      if (altDigits !== null && !levelsOf(report.modifiers).alt) finishAltCode();
      held = new Set(report.keys);
    },
    flushPending() {
      altDigits = null;
      flushDead();
    },
    reset() {
      held = new Set();
      capsLock = config.capsLock;
      pendingDead = null;
      altDigits = null;
    },
  };
}
