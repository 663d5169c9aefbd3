// Payment-card guard (DESIGN §3 `kind`, docs/scanners-and-readers.md §0 rule 8, §4.2). Runs on
// every frame before anything else looks at its content; a hit means the frame is dropped and only
// `payment_card_rejected` leaves the classifier. It fails closed: an unexpected error counts as a hit.
//
// What counts as a payment card:
//   1. Track 1 format B: `%B` + 12–19 digits (the PAN; spaces allowed as some issuers emboss them).
//   2. Track 2: `;` + 12–19 digits + `=` + 4 digits (PAN and expiry), wherever it appears, so a
//      `%E?` track-1 read error in front of it changes nothing
//      (docs/scanners-and-readers.md §8 item 31).
//   3. Any maximal run of 12–19 digits (also inside a URL or other text) that passes Luhn and lies
//      in a payment IIN range (payment-iin.ts), plus printed groups (`dddd dddd dddd dddd`,
//      `dddd-dddddd-ddddd`). Runs of 20+ digits (SSCC, GS1 strings) are not PANs.
//   4. The same on the keyboard decoder's digit view (`Frame.digitView`: same length as the text,
//      digit keys read by position, other characters as decoded). When a layout mismatch hides
//      digits in the text (AZERTY digits, or US `%`/`^` typed as Shift+5/Shift+6) a digit-view run
//      that is not also a run of the text is searched with every 12–19 window, because sentinel
//      keys may now be glued to the PAN (`5B<PAN>6…`). This can refuse a harmless scan from a
//      scanner whose layout is wrong; such a scanner is already flagged `layout_suspect`.
//   5. The same once more with the digit of an AIM id (`]A4`) glued back in front: that digit may
//      have been the first one of the card number (see `aimDigitToGlue`).
//
// EAN exemption (docs/scanners-and-readers.md §4.2 rule 4): ~10 % of valid German EAN-13s (40–44)
// also pass Luhn and start with the Visa digit. When the whole content is a valid EAN-13, UPC-A or
// EAN-8 (with an optional add-on), the AIM is `]E0`/`]E3`/`]E4` or absent, and the device is not a
// magstripe reader, the text's digit run is a product, not a PAN. UPC-A (12 digits) is included for
// the same reason. The price: a 12/13-digit card number that also has a valid GS1 check digit (1 in
// 10), sent with an EAN AIM or none by a device that is not a magstripe reader, passes as a
// product.
//
// UID readers are guarded like everything else (docs/scanners-and-readers.md §0 rule 8: every
// input). A UID typed as 12–19 decimal digits collides with a payment range about as often as a
// random number does, so UID profiles should make the reader type hex.
//
// Loyalty ranges: a run whose only matching range is the Maestro catch-all is let through when it
// starts with one of the profile's `loyaltyIinPrefixes` (see payment-iin.ts for why and the limits).

import { luhnValid, luhnWindows } from './check-digits.ts';
import { readEanProduct } from './ean-upc.ts';
import type { Frame } from './frame.ts';
import { readGs1Content } from './gs1-content.ts';
import { mayBePaymentPrefix, paymentSchemeOf } from './payment-iin.ts';

export interface PaymentGuardSettings {
  /** `msr` turns the EAN exemption off: a magstripe reader never reads a barcode. */
  treatAs: 'auto' | 'uid' | 'msr';
  /** The merchant's own card prefixes inside the Maestro catch-all (validated by the settings). */
  loyaltyIinPrefixes: readonly string[];
}

const DEFAULT_GUARD: PaymentGuardSettings = { treatAs: 'auto', loyaltyIinPrefixes: [] };

const TRACK1 = /%[Bb](?:[0-9] ?){12,19}/;
const TRACK2 = /;[0-9]{12,19}=[0-9]{4}/;
const DIGIT_RUN = /[0-9]+/g;
const PRINTED_PAN = /(?<![0-9])[0-9]{4}(?:[ -][0-9]{3,6}){2,4}(?![0-9])/g;
const PAN_MIN = 12;
const PAN_MAX = 19;

function looksLikePan(digits: string, guard: PaymentGuardSettings): boolean {
  if (digits.length < PAN_MIN || digits.length > PAN_MAX) return false;
  const scheme = paymentSchemeOf(digits);
  if (scheme === undefined) return false;
  if (scheme === 'maestro' && guard.loyaltyIinPrefixes.some((p) => digits.startsWith(p))) return false;
  return luhnValid(digits);
}

function runsOf(text: string): string[] {
  return text.match(DIGIT_RUN) ?? [];
}

function hasPanWindow(run: string, guard: PaymentGuardSettings): boolean {
  if (run.length < PAN_MIN) return false;
  const luhnAt = luhnWindows(run);
  for (let start = 0; start + PAN_MIN <= run.length; start++) {
    if (!mayBePaymentPrefix(run.slice(start, start + 6))) continue;
    for (let end = start + PAN_MIN; end <= start + PAN_MAX && end <= run.length; end++) {
      if (luhnAt(start, end) && looksLikePan(run.slice(start, end), guard)) return true;
    }
  }
  return false;
}

function eanExempt(content: string, aim: string | undefined, guard: PaymentGuardSettings): boolean {
  return guard.treatAs !== 'msr' && readEanProduct(content, aim) !== undefined;
}

function textHasPayment(text: string, aim: string | undefined, guard: PaymentGuardSettings): boolean {
  if (TRACK1.test(text) || TRACK2.test(text)) return true;
  if (eanExempt(text.trim(), aim, guard)) return false;
  if (runsOf(text).some((run) => looksLikePan(run, guard))) return true;
  for (const printed of text.match(PRINTED_PAN) ?? []) {
    if (looksLikePan(printed.replace(/[ -]/g, ''), guard)) return true;
  }
  return false;
}

function digitViewHasPayment(
  view: string,
  textRuns: ReadonlySet<string>,
  guard: PaymentGuardSettings,
): boolean {
  return runsOf(view).some((run) => !textRuns.has(run) && hasPanWindow(run, guard));
}

/** The digit of an AIM id such as `]A4`: a framer splits any leading `]` + letter + digit off as an
 * AIM, so data that merely starts like one (`]A4111…`, or a DE scanner's `+A…` read with the US
 * table) loses the first digit of a card number to the AIM, and the event would carry the PAN in
 * two fields. EAN and GS1 data after their own AIM are exempt: glued to the AIM's digit they would
 * be refused one time in ten through Luhn alone (`]Q3` + `01…` falls in Diners 300–305). */
function aimDigitToGlue(text: string, aim: unknown, guard: PaymentGuardSettings): string | undefined {
  if (typeof aim !== 'string' || !/^\][A-Za-z][0-9]$/.test(aim)) return undefined;
  const content = text.trim();
  if (eanExempt(content, aim, guard) || readGs1Content(content, aim).kind === 'gs1') return undefined;
  return aim[2];
}

/** Every reading above needs at least PAN_MIN digits, one of which may be an AIM's glued digit. */
const FEWEST_TEXT_DIGITS = PAN_MIN - 1;

/**
 * True when `text` is pure ASCII (which NFKC leaves as it is) with fewer digits than any card
 * number needs: then no rule above can fire, and the scan skips them all. Most product codes,
 * tokens and URLs are such texts; this is the scan latency path (DESIGN §10), run on every frame.
 * Non-ASCII text always takes the full path: NFKC turns full-width, circled or superscript digits
 * into ASCII ones.
 */
function tooFewDigitsForAPan(text: string): boolean {
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return false;
    if (c >= 0x30 && c <= 0x39 && ++digits >= FEWEST_TEXT_DIGITS) return false;
  }
  return true;
}

/**
 * True when the frame carries payment card data and must be dropped (DESIGN §3). Never throws:
 * any unexpected failure answers true (fail closed).
 */
export function isPaymentCard(
  frame: Pick<Frame, 'text' | 'aim' | 'digitView'>,
  guard: PaymentGuardSettings = DEFAULT_GUARD,
): boolean {
  try {
    // The keyboard decoder's digit view has rules of its own: such frames take the full path.
    if (typeof frame.text === 'string' && frame.digitView === undefined && tooFewDigitsForAPan(frame.text))
      return false;
    // NFKC folds full-width digits (`４１１１…` in a UTF-8 QR) onto ASCII before any digit test.
    const text = String(frame.text ?? '').normalize('NFKC');
    if (textHasPayment(text, frame.aim, guard)) return true;
    const glue = aimDigitToGlue(text, frame.aim, guard);
    if (glue !== undefined && textHasPayment(glue + text, frame.aim, guard)) return true;
    if (typeof frame.digitView !== 'string' || frame.digitView.length === 0) return false;
    const view = frame.digitView.normalize('NFKC');
    if (digitViewHasPayment(view, new Set(runsOf(text)), guard)) return true;
    return glue !== undefined && digitViewHasPayment(glue + view, new Set(runsOf(glue + text)), guard);
  } catch {
    return true;
  }
}
