// Payment card issuer ranges (IIN/BIN prefixes) the payment guard refuses
// (docs/scanners-and-readers.md §4.2 rule 2, source S33 iinbase/wikipayments). Ranges are compared
// on their first `lo.length` digits.
//
// Maestro's official catch-all (50, 56–69) covers almost every number starting with 6, so a
// merchant's own loyalty card range there (e.g. a magstripe `;600123…?`,
// docs/scanners-and-readers.md §8 item 31) would be refused as a payment card. Such ranges can be
// exempted per profile (`loyaltyIinPrefixes`), but only where they overlap nothing but the Maestro
// catch-all: a prefix touching Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Mir, Troy
// or UATP is refused by the settings schema, so an exemption can never open a named scheme.

export type PaymentScheme =
  | 'visa'
  | 'mastercard'
  | 'amex'
  | 'discover'
  | 'jcb'
  | 'diners'
  | 'unionpay'
  | 'mir'
  | 'troy'
  | 'uatp'
  | 'maestro';

interface IinRange {
  scheme: PaymentScheme;
  lo: string;
  hi: string;
  /** Only these PAN lengths; absent = any 12–19. */
  length?: number;
}

const RANGES: readonly IinRange[] = [
  { scheme: 'visa', lo: '4', hi: '4' },
  { scheme: 'mastercard', lo: '51', hi: '55' },
  { scheme: 'mastercard', lo: '2221', hi: '2720' },
  { scheme: 'amex', lo: '34', hi: '34' },
  { scheme: 'amex', lo: '37', hi: '37' },
  { scheme: 'discover', lo: '6011', hi: '6011' },
  { scheme: 'discover', lo: '644', hi: '649' },
  { scheme: 'discover', lo: '65', hi: '65' },
  { scheme: 'discover', lo: '622126', hi: '622925' },
  { scheme: 'jcb', lo: '3528', hi: '3589' },
  { scheme: 'diners', lo: '300', hi: '305' },
  { scheme: 'diners', lo: '36', hi: '36' },
  { scheme: 'diners', lo: '38', hi: '39' },
  { scheme: 'unionpay', lo: '62', hi: '62' },
  { scheme: 'mir', lo: '2200', hi: '2204' },
  { scheme: 'troy', lo: '9792', hi: '9792' },
  // UATP (airline cards) is MII 1; restricted to its 15-digit length so that 16-digit NXP 7-byte
  // UIDs typed in decimal (they start with 1) are not caught.
  { scheme: 'uatp', lo: '1', hi: '1', length: 15 },
  { scheme: 'maestro', lo: '50', hi: '50' },
  { scheme: 'maestro', lo: '56', hi: '69' },
];

/** Does the prefix range of `digits` (as typed so far) intersect [lo, hi]? */
function overlaps(digits: string, range: IinRange): boolean {
  const k = range.lo.length;
  if (digits.length >= k) {
    const head = digits.slice(0, k);
    return head >= range.lo && head <= range.hi;
  }
  const low = digits.padEnd(k, '0');
  const high = digits.padEnd(k, '9');
  return high >= range.lo && low <= range.hi;
}

/**
 * The payment scheme whose IIN range contains the card number `pan` (12–19 digits), preferring a
 * named scheme over the Maestro catch-all; undefined when none does.
 */
export function paymentSchemeOf(pan: string): PaymentScheme | undefined {
  let catchAll: PaymentScheme | undefined;
  for (const range of RANGES) {
    if (range.length !== undefined && range.length !== pan.length) continue;
    if (!overlaps(pan, range)) continue;
    if (range.scheme !== 'maestro') return range.scheme;
    catchAll = 'maestro';
  }
  return catchAll;
}

/** The named scheme (anything but the Maestro catch-all) a loyalty prefix would overlap, if any. */
export function namedSchemeOverlapping(prefix: string): PaymentScheme | undefined {
  for (const range of RANGES) {
    if (range.scheme !== 'maestro' && overlaps(prefix, range)) return range.scheme;
  }
  return undefined;
}

/** Could a card number starting with `prefix` (6 digits decide every range) be a payment card? */
export function mayBePaymentPrefix(prefix: string): boolean {
  return RANGES.some((range) => overlaps(prefix, range));
}
