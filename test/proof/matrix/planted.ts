// What the privacy scan plants (issue 12; DESIGN §2, §3): payment card numbers and track data, a
// cardholder name, mobile numbers and e-mail addresses — none of which may be kept, logged or
// published by the gateway — and the forms in which a leak of each would show up.
import { SEED } from '../../../src/loyalty/simulator/seed.ts';

/** A Luhn-valid card number of `length` digits: the given digits (cut or repeated) and a check digit. */
export function luhnPan(digits: string, length: number): string {
  const partial = digits.repeat(Math.ceil(length / digits.length)).slice(0, length - 1);
  let sum = 0;
  for (let i = 0; i < partial.length; i++) {
    let d = Number(partial[partial.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return partial + String((10 - (sum % 10)) % 10);
}

export const PANS = {
  visa: luhnPan('453914880343646', 16),
  mastercard: luhnPan('542523343010992', 16),
  amex: luhnPan('37424545540012', 15),
  discover: luhnPan('601155773016284', 16),
  maestro: luhnPan('675931028775491', 16),
};

export const HOLDER = 'MUSTERFRAU/ANNA';

export const CONTACTS = {
  mobiles: ['+49 176 33445566', '+436641987654', '+41 79 5551234'],
  emails: ['anna.privacy.probe@example.com', 'bob.muster+loyalty@example.org', 'carla.probe@example.net'],
};

/** The strings whose presence anywhere means a leak: each PAN as digits, grouped and its middle. */
export function leakForms(): Record<string, string> {
  const forms: Record<string, string> = {};
  for (const [name, pan] of Object.entries(PANS)) {
    forms[`${name} PAN`] = pan;
    forms[`${name} PAN in groups of 4`] = pan.replace(/(\d{4})(?=\d)/g, '$1 ');
    // Digits 7-12: what no masking rule may ever show (PCI DSS allows at most the first 6, last 4).
    forms[`${name} PAN middle digits`] = pan.slice(6, 12);
  }
  forms['cardholder name'] = HOLDER;
  for (const m of CONTACTS.mobiles) {
    const digits = m.replace(/\D/g, '');
    forms[`mobile ${m}`] = m;
    forms[`mobile ${m} as digits`] = digits;
    forms[`mobile ${m} national part`] = digits.slice(-8);
  }
  for (const e of CONTACTS.emails) {
    forms[`e-mail ${e}`] = e;
    forms[`e-mail ${e} local part`] = e.split('@')[0]!;
  }
  return forms;
}

/** Loyalty codes as the till sends them, and the token a leak would show. */
export const TOKENS = {
  'regular app': { code: SEED.customers.regular.appUrl, token: SEED.customers.regular.appToken },
  'regular card': { code: SEED.customers.regular.card, token: SEED.customers.regular.card },
  'app user app': { code: SEED.customers.appUser.appUrl, token: SEED.customers.appUser.appToken },
  'app user card': { code: SEED.customers.appUser.card, token: SEED.customers.appUser.card },
  'card-only card': { code: SEED.customers.cardOnly.card, token: SEED.customers.cardOnly.card },
  'app-only app': { code: SEED.customers.appOnly.appUrl, token: SEED.customers.appOnly.appToken },
  'unknown app': { code: `${SEED.appUrlPrefix}${SEED.unknownToken}`, token: SEED.unknownToken },
} as const;
export type TokenName = keyof typeof TOKENS;

/** Raw bytes of a file hold `text` as UTF-8 or UTF-16 (SQLite may store either). */
export function holds(bytes: Buffer, text: string): boolean {
  return bytes.includes(Buffer.from(text, 'utf8')) || bytes.includes(Buffer.from(text, 'utf16le'));
}
