// Check digits used by the classifier: Luhn (ISO/IEC 7812, payment card numbers,
// docs/scanners-and-readers.md §4.2) and the GS1 mod-10 check digit shared by EAN-8, UPC-A, EAN-13,
// GTIN-14 and SSCC (GS1 General Specifications §7.9). They look alike but weigh different
// positions, which is why ~10 % of valid EAN-13s also pass Luhn
// (docs/scanners-and-readers.md §0 rule 8).

const DIGITS = /^[0-9]+$/;

/** Luhn check over a digit string (check digit last). Non-digits or fewer than 2 digits → false. */
export function luhnValid(digits: string): boolean {
  if (digits.length < 2 || !DIGITS.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * Luhn over any window of one digit string in O(1) per window, for searching long runs (the
 * payment guard's digit view): prefix sums of plain and doubled digits, split by position parity.
 */
export function luhnWindows(digits: string): (start: number, end: number) => boolean {
  const n = digits.length;
  // plain[p][i] / doubled[p][i]: sums over positions < i with parity p.
  const plain = [new Int32Array(n + 1), new Int32Array(n + 1)] as const;
  const doubled = [new Int32Array(n + 1), new Int32Array(n + 1)] as const;
  for (let i = 0; i < n; i++) {
    const d = digits.charCodeAt(i) - 48;
    const dd = d * 2 > 9 ? d * 2 - 9 : d * 2;
    for (const p of [0, 1] as const) {
      plain[p][i + 1] = plain[p][i]! + (i % 2 === p ? d : 0);
      doubled[p][i + 1] = doubled[p][i]! + (i % 2 === p ? dd : 0);
    }
  }
  return (start, end) => {
    // The check digit (end - 1) and every second digit leftwards stay plain; the others double.
    const keep = (end - 1) % 2;
    const other = 1 - keep;
    const sum = plain[keep]![end]! - plain[keep]![start]! + doubled[other]![end]! - doubled[other]![start]!;
    return end - start >= 2 && sum % 10 === 0;
  };
}

/** GS1 mod-10 check digit for `body` (all digits but the check digit); undefined for non-digits. */
export function gs1CheckDigit(body: string): number | undefined {
  if (body.length === 0 || !DIGITS.test(body)) return undefined;
  let sum = 0;
  // Weights 3,1,3,1… counted from the digit next to the check digit.
  for (let i = 0; i < body.length; i++) {
    const d = body.charCodeAt(body.length - 1 - i) - 48;
    sum += i % 2 === 0 ? d * 3 : d;
  }
  return (10 - (sum % 10)) % 10;
}

/** True when the last digit of `code` is its GS1 mod-10 check digit (any length ≥ 2). */
export function gs1CheckDigitValid(code: string): boolean {
  if (code.length < 2) return false;
  const expected = gs1CheckDigit(code.slice(0, -1));
  return expected !== undefined && expected === code.charCodeAt(code.length - 1) - 48;
}

/** EAN/UPC check: only the GTIN lengths 8 (EAN-8), 12 (UPC-A), 13 (EAN-13) and 14 (GTIN-14). */
export function eanCheckDigitValid(code: string): boolean {
  const n = code.length;
  return (n === 8 || n === 12 || n === 13 || n === 14) && gs1CheckDigitValid(code);
}
