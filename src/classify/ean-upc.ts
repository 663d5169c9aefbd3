// EAN/UPC product codes: check digits, UPC-A ↔ EAN-13, UPC-E expansion and reading a scan's
// content as a product (DESIGN §3 kind `product`; docs/scanners-and-readers.md §3.1 AIM `]E*`,
// §8 items 23, 27, 30). A GTIN is reported in its 14-digit form, the form AI 01 carries, so a
// UPC-A, its EAN-13 form `0…` and a GS1 scan of the same item all compare equal.

import { eanCheckDigitValid } from './check-digits.ts';

export type EanSymbology = 'ean-13' | 'upc-a' | 'ean-8' | 'upc-e';

export interface EanProduct {
  symbology: EanSymbology;
  /** GTIN-14, zero padded. */
  gtin: string;
  /** 2- or 5-digit add-on (supplement), when one was read. */
  addOn?: string;
}

const DIGITS = /^[0-9]+$/;
/** AIM ids of the EAN/UPC family that may appear in the middle of data: `]E0<UPC>]E2<add-on>`. */
const MID_AIM = /\][Ee][0-4]/;

/** The EAN-13 form of a UPC-A (GS1: a UPC-A is an EAN-13 with a leading 0). */
export function upcAToEan13(upcA: string): string | undefined {
  return upcA.length === 12 && DIGITS.test(upcA) ? `0${upcA}` : undefined;
}

/** The UPC-A form of an EAN-13 that starts with 0; undefined for any other EAN-13. */
export function ean13ToUpcA(ean13: string): string | undefined {
  return ean13.length === 13 && DIGITS.test(ean13) && ean13.startsWith('0') ? ean13.slice(1) : undefined;
}

/**
 * Expands an 8-digit UPC-E (number system 0/1, six data digits, check digit) to its UPC-A form.
 * The check digit of UPC-E is the one of the expanded UPC-A, so it is verified on the expansion.
 */
export function expandUpcE(upcE: string): string | undefined {
  if (upcE.length !== 8 || !DIGITS.test(upcE)) return undefined;
  const ns = upcE[0]!;
  if (ns !== '0' && ns !== '1') return undefined;
  const [d1, d2, d3, d4, d5, d6] = upcE.slice(1, 7);
  let body: string;
  if (d6 === '0' || d6 === '1' || d6 === '2') body = `${d1}${d2}${d6}0000${d3}${d4}${d5}`;
  else if (d6 === '3') body = `${d1}${d2}${d3}00000${d4}${d5}`;
  else if (d6 === '4') body = `${d1}${d2}${d3}${d4}00000${d5}`;
  else body = `${d1}${d2}${d3}${d4}${d5}0000${d6}`;
  const upcA = `${ns}${body}${upcE[7]}`;
  return eanCheckDigitValid(upcA) ? upcA : undefined;
}

/** GTIN-14 of an EAN-8, UPC-A or EAN-13 (not validated here). */
export function toGtin14(code: string): string {
  return code.padStart(14, '0');
}

function readMain(main: string, aim: string | undefined): EanProduct | undefined {
  if (!DIGITS.test(main)) return undefined;
  if (main.length === 13 && eanCheckDigitValid(main)) {
    // An EAN-13 starting with 0 is encoded exactly as a UPC-A symbol.
    return { symbology: main.startsWith('0') ? 'upc-a' : 'ean-13', gtin: toGtin14(main) };
  }
  if (main.length === 12 && eanCheckDigitValid(main)) return { symbology: 'upc-a', gtin: toGtin14(main) };
  if (main.length === 8) {
    // AIM `]E4` is EAN-8 and `]E0` with 8 digits is UPC-E; without an AIM, EAN-8 (far more common
    // in Europe) wins when both readings are valid.
    const asUpcE = aim === ']E4' ? undefined : expandUpcE(main);
    if (aim !== ']E0' && eanCheckDigitValid(main)) return { symbology: 'ean-8', gtin: toGtin14(main) };
    if (asUpcE !== undefined) return { symbology: 'upc-e', gtin: toGtin14(asUpcE) };
  }
  return undefined;
}

function withAddOn(product: EanProduct | undefined, addOn: string): EanProduct | undefined {
  if (product === undefined || !/^(?:[0-9]{2}|[0-9]{5})$/.test(addOn)) return undefined;
  return { ...product, addOn };
}

/**
 * Reads `content` as an EAN/UPC product code, optionally with an add-on, when the AIM allows it
 * (`]E0`, `]E3`, `]E4` or no AIM at all). The whole content must be the code: anything else, or a
 * wrong check digit, gives undefined.
 */
export function readEanProduct(content: string, aim: string | undefined): EanProduct | undefined {
  if (aim !== undefined && aim !== ']E0' && aim !== ']E3' && aim !== ']E4') return undefined;
  // Every reading below starts with the digits of an 8- to 13-digit code, and the longest one
  // (13 + `]E2` + 5) has 21 characters: anything else is refused before any regex runs (the
  // classifier asks this of every scan).
  const first = content.charCodeAt(0);
  if (content.length < 8 || content.length > 21 || !(first >= 0x30 && first <= 0x39)) return undefined;
  const parts = content.split(MID_AIM);
  if (parts.length === 2) return withAddOn(readMain(parts[0]!, aim), parts[1]!);
  if (parts.length > 2) return undefined;
  if (aim !== ']E3') return readMain(content, aim);
  // `]E3`: code and add-on sent as one digit string; try the lengths that can combine.
  for (const mainLength of [13, 12, 8]) {
    for (const addOnLength of [2, 5]) {
      if (content.length !== mainLength + addOnLength) continue;
      const product = withAddOn(readMain(content.slice(0, mainLength), aim), content.slice(mainLength));
      if (product !== undefined) return product;
    }
  }
  return undefined;
}
