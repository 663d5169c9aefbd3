// The classifier: Frame → Classification (DESIGN §3 `scan` `kind`, §6, §11 data flow; pure, no
// I/O). Order matters and is fixed:
//   payment guard → UID (UID readers only) → loyalty → GS1 → product (EAN/UPC) → text.
// The payment guard sees the frame first and alone; a payment card leaves nothing but its kind.
// Anything a frame can hold (NUL, lone surrogates, control characters, megabytes of noise) must
// come out as a Classification, never as an exception.

import { announcesEanProduct, inferSymbology, symbologyFromAim } from './aim.ts';
import type { Classification, ClassificationKind, ClassifyWarning, ScanWarning } from './classification.ts';
import { readEanProduct } from './ean-upc.ts';
import type { Frame } from './frame.ts';
import { readGs1Content } from './gs1-content.ts';
import { matchLoyalty, matchUidLoyalty } from './loyalty-match.ts';
import { isPaymentCard } from './payment-guard.ts';
import type { ClassifyOptions } from './settings.ts';
import { normaliseUid } from './uid.ts';

/** Magstripe reader output where every track is a read error (`%E?`, `;E?`, `+E?`;
 * docs/scanners-and-readers.md §4.1). */
const MSR_ERRORS_ONLY = /^(?:[%;+]E\?)+$/;
/** C0 controls other than TAB/CR/LF, and DEL. */
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;

class Result {
  readonly warnings: Set<ScanWarning>;
  constructor(
    private readonly frame: { text: string; aim: string | undefined },
    frameWarnings: readonly ScanWarning[],
  ) {
    this.warnings = new Set(frameWarnings);
  }

  warn(...codes: ReadonlyArray<ClassifyWarning>): void {
    for (const code of codes) this.warnings.add(code);
  }

  as(kind: ClassificationKind, symbology: string, extra: Partial<Classification> = {}): Classification {
    const out: Classification = {
      kind,
      symbology,
      text: this.frame.text,
      warnings: [...this.warnings],
      ...extra,
    };
    if (this.frame.aim !== undefined) out.aim = this.frame.aim;
    return out;
  }
}

function frameWarnings(frame: Frame): ScanWarning[] {
  return Array.isArray(frame.warnings) ? frame.warnings.filter((w) => typeof w === 'string') : [];
}

function classifyContent(frame: Frame, opts: ClassifyOptions): Classification {
  const { settings, patterns } = opts;
  const text = typeof frame.text === 'string' ? frame.text : '';
  const aim = typeof frame.aim === 'string' && frame.aim !== '' ? frame.aim : undefined;
  // trim() also drops a UTF-8 BOM (U+FEFF) and the CR/LF of a suffix left in the data.
  const content = text.trim();
  const result = new Result({ text, aim }, frameWarnings(frame));

  // Read errors start with a track sentinel; the regex runs only then.
  const first = content.charCodeAt(0);
  if ((first === 0x25 || first === 0x3b || first === 0x2b) && MSR_ERRORS_ONLY.test(content)) {
    result.warn('msr_read_error');
    return result.as('text', 'magstripe');
  }

  if (settings.treatAs === 'uid') {
    const read = normaliseUid(content, settings);
    result.warn(...read.warnings);
    if (read.ok) {
      const loyalty = matchUidLoyalty(read.uid.canonical, patterns);
      return loyalty === undefined
        ? result.as('uid', 'rfid-uid', { uid: read.uid })
        : result.as('loyalty', 'rfid-uid', { uid: read.uid, loyalty });
    }
    result.warn(read.reason);
    if (read.reason === 'random_uid') return result.as('text', 'rfid-uid');
  }

  // Read once: it names the symbology of a scan without AIM, marks an add-on and is the product.
  const ean = readEanProduct(content, aim);
  const symbology =
    settings.treatAs === 'msr'
      ? 'magstripe'
      : settings.treatAs === 'uid'
        ? 'rfid-uid'
        : (symbologyFromAim(aim) ??
          (aim === undefined ? (ean?.symbology ?? 'unknown') : inferSymbology(content)));

  // An EAN add-on marks a retail product (a book's ISBN with its price, a magazine issue): no card
  // number carries one. Without this, a book's ]E3 digit string (13 + 5 digits, starting 978) was
  // taken for an MII 9 loyalty card number.
  const withAddOn = ean?.addOn !== undefined;
  const loyalty = withAddOn ? { warnings: [] } : matchLoyalty(content, patterns);
  result.warn(...loyalty.warnings);
  if (loyalty.match !== undefined) return result.as('loyalty', symbology, { loyalty: loyalty.match });

  const gs1 = readGs1Content(content, aim);
  if (gs1.kind === 'gs1') {
    result.warn(...gs1.warnings);
    return result.as('gs1', symbology, { gs1: { ais: gs1.ais } });
  }
  if (gs1.kind === 'invalid') result.warn('gs1_invalid');

  if (gs1.kind !== 'invalid') {
    const product = ean;
    if (product !== undefined) {
      const details =
        product.addOn === undefined ? { gtin: product.gtin } : { gtin: product.gtin, add_on: product.addOn };
      return result.as('product', product.symbology, { product: details });
    }
    if (announcesEanProduct(aim)) result.warn('ean_check_digit_invalid');
  }

  if (CONTROL.test(text)) result.warn('control_characters');
  return result.as('text', symbology);
}

/**
 * Classifies one frame. Never throws: a failing payment guard counts as a payment card (fail
 * closed), any later failure yields `text` with `classify_failed`.
 */
export function classify(frame: Frame, opts: ClassifyOptions): Classification {
  if (isPaymentCard(frame, opts.settings)) return { kind: 'payment_card_rejected', warnings: [] };
  try {
    return classifyContent(frame, opts);
  } catch {
    const text = typeof frame.text === 'string' ? frame.text : '';
    const out: Classification = {
      kind: 'text',
      symbology: 'unknown',
      text,
      warnings: [...frameWarnings(frame), 'classify_failed'],
    };
    if (typeof frame.aim === 'string' && frame.aim !== '') out.aim = frame.aim;
    return out;
  }
}
