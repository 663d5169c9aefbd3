// What the page shows of a scan (issue 9 "live test scan"). Everyone sees that a scan arrived
// (device, kind, time); a logged-in technician also sees the text, its bytes in hex, the warnings
// and a plain-language hint when the keyboard layout looks wrong. A loyalty token is masked to its
// last 4 characters in the text and the hex alike (DESIGN §2); a payment card has no text at all.
import { detectLayoutSuspect } from '../devices/keyboard/layout-suspect.ts';
import { maskToken } from '../log.ts';
import type { Scan } from '../scans/pipeline.ts';

export function publicScan(scan: Scan) {
  const e = scan.event;
  return {
    id: e.id,
    seq: e.seq,
    ts: e.ts,
    device_id: e.device_id,
    profile: e.profile,
    transport: e.transport,
    kind: e.kind,
    symbology: e.symbology,
  };
}

export function technicianScan(scan: Scan) {
  const e = scan.event;
  let text = e.text;
  if (text !== null && scan.loyaltyToken)
    text = text.split(scan.loyaltyToken).join(maskToken(scan.loyaltyToken));
  return {
    ...publicScan(scan),
    aim: e.aim,
    text,
    hex: text === null ? null : hex(text),
    warnings: e.warnings,
    layout_hint: text !== null && looksMislaid(text, e.warnings) ? layoutHint(text, e.profile) : null,
  };
}

/**
 * The decoder's warning, or the same fingerprints in a typed test scan (no decoder ran).
 *
 * Cost: ~0.1-0.5 µs in a hot loop, but the first view of a flush pays ~8-14 µs and the other 19
 * ~1-2 µs: a flush comes every 100-250 ms, by when its regexes' code and data have left the CPU's
 * caches (hex() pays the same on its first call; it stays so once TurboFan has optimised this).
 * Not a string-kind, deopt or regex-recompile effect, and a verdict cached per scan would save
 * nothing: live.ts builds a scan's view once.
 */
function looksMislaid(text: string, warnings: readonly string[]): boolean {
  return (
    warnings.includes('layout_suspect') ||
    detectLayoutSuspect(text) !== undefined ||
    /^https?[^:]*[ß]/i.test(text)
  );
}

const BYTE_HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/**
 * The UTF-8 bytes as `68 74 74 70`. Buffer.from, not TextEncoder: a short string's bytes are sliced
 * from Node's shared pool instead of a fresh buffer allocated in C++ per call, and a technician's
 * frame builds 20 of these while scans flood, on the loop a scan may be waiting for. A lone
 * surrogate is U+FFFD (EF BF BD), as TextEncoder has it.
 */
export function hex(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += i === 0 ? BYTE_HEX[bytes[i]!] : ` ${BYTE_HEX[bytes[i]!]}`;
  return out;
}

/**
 * Which layout to set, from the fingerprints a US↔DE mix-up leaves
 * (docs/scanners-and-readers.md §1.4): a German (QWERTZ) scanner read with the US table types `>&&`
 * for `://` and `-` as `ß`'s neighbour `/`; a US scanner read with the German table types `Ö--` for
 * `://`, `ß` for `-` and umlauts for brackets. A y/z swap alone says only that the two disagree.
 */
export function layoutHint(text: string, profile: string): string {
  const where = `in the device profile "${profile}"`;
  if (/>&&|^(?:https?|ftp)>/i.test(text)) {
    return `The scanner types a German (QWERTZ) layout but the box reads it as US: set the keyboard layout to "de" ${where}, or set the scanner to US.`;
  }
  if (/Ö--|Ö\/\/|^(?:https?|ftp)Ö|[ßäöüÄÜ]/.test(text)) {
    return `The scanner types a US layout but the box reads it as German: set the keyboard layout to "us" ${where}, or set the scanner to German.`;
  }
  if (detectLayoutSuspect(text) === 'swapped_y_z') {
    return `"y" and "z" look swapped: the scanner and the box use different keyboard layouts (US vs German). Set the other layout ("us" or "de") ${where}, or change the scanner's keyboard country.`;
  }
  return `Characters look changed by a keyboard layout mismatch: check that the scanner's keyboard country matches the layout ${where} ("us" or "de").`;
}
