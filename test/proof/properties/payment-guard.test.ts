// Properties of the payment-card guard (src/classify/payment-guard.ts) and of the classifier it
// fronts: a card number never leaves as anything but `payment_card_rejected`, however it is framed,
// prefixed, tagged or typed; a valid EAN is never taken for one; and no frame makes either throw.
import assert from 'node:assert/strict';
import test from 'ava';
import fc from 'fast-check';
import {
  type Classification,
  classify,
  createClassifyOptions,
  type Frame,
  isPaymentCard,
  loyaltyIinPrefixesSchema,
  readEanProduct,
} from '../../../src/classify/index.ts';
import { scanWarnings } from '../../../src/classify/warnings.ts';
import { createManualClock } from '../../../src/devices/framing/index.ts';
import { createKeyboardDecoder } from '../../../src/devices/keyboard/index.ts';
import { ENTER, keypad, LALT, report, typeText } from '../../devices/keyboard/helpers/reports.ts';
import { prove } from './prove.ts';

const subject = 'payment guard';
const utf8 = new TextEncoder();

// Issuer ranges written down from the card schemes' published IIN tables (not read from
// src/classify/payment-iin.ts, which this checks). `len` restricts the PAN lengths of a range.
const RANGES: ReadonlyArray<{ scheme: string; lo: number; hi: number; len?: number }> = [
  { scheme: 'visa', lo: 4, hi: 4 },
  { scheme: 'mastercard', lo: 51, hi: 55 },
  { scheme: 'mastercard', lo: 2221, hi: 2720 },
  { scheme: 'amex', lo: 34, hi: 34 },
  { scheme: 'amex', lo: 37, hi: 37 },
  { scheme: 'discover', lo: 6011, hi: 6011 },
  { scheme: 'discover', lo: 644, hi: 649 },
  { scheme: 'discover', lo: 65, hi: 65 },
  { scheme: 'discover', lo: 622126, hi: 622925 },
  { scheme: 'jcb', lo: 3528, hi: 3589 },
  { scheme: 'diners', lo: 300, hi: 305 },
  { scheme: 'diners', lo: 36, hi: 36 },
  { scheme: 'diners', lo: 38, hi: 39 },
  { scheme: 'unionpay', lo: 62, hi: 62 },
  { scheme: 'mir', lo: 2200, hi: 2204 },
  { scheme: 'troy', lo: 9792, hi: 9792 },
  { scheme: 'uatp', lo: 1, hi: 1, len: 15 },
  { scheme: 'maestro', lo: 50, hi: 50 },
  { scheme: 'maestro', lo: 56, hi: 69 },
];

function luhnCheckDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

function gs1CheckDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum += Number(body[body.length - 1 - i]) * (i % 2 === 0 ? 3 : 1);
  return String((10 - (sum % 10)) % 10);
}

/** A Luhn-valid card number of 12–19 digits inside a payment range, with its scheme. */
const pan = fc
  .constantFrom(...RANGES)
  .chain((range) =>
    fc.record({
      scheme: fc.constant(range.scheme),
      iin: fc.integer({ min: range.lo, max: range.hi }).map(String),
      length: range.len === undefined ? fc.integer({ min: 12, max: 19 }) : fc.constant(range.len),
      fill: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 19, maxLength: 19 }),
    }),
  )
  .map(({ scheme, iin, length, fill }) => {
    const body = (iin + fill.join('')).slice(0, length - 1);
    return { scheme, digits: body + luhnCheckDigit(body) };
  });

const isDigitAt = (s: string, at: number) => /[0-9]/.test(s.normalize('NFKC').at(at) ?? '');

/** Anything around a card number that does not glue further digits to it. */
const wrapper = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.constantFrom(
    'https://pay.example/checkout?card=',
    '{"card":"',
    '"}',
    '%B',
    ';',
    '=2512101?',
    '^DOE/JOHN^2512101?',
    '\r\n',
    ' ',
    'CARD',
    '\x1d',
    '\u202e',
    '\u200b',
  ),
);
const aim = fc.option(
  fc.oneof(
    fc.constantFrom(']E0', ']E3', ']E4', ']Q1', ']Q3', ']C0', ']C1', ']d2', ']X0', ']e0'),
    fc.stringMatching(/^\][A-Za-z][0-9A-Za-z]$/),
  ),
  { nil: undefined },
);
const treatAs = fc.constantFrom('auto' as const, 'uid' as const, 'msr' as const);
const optionsFor = {
  auto: createClassifyOptions({ treatAs: 'auto' }),
  uid: createClassifyOptions({ treatAs: 'uid' }),
  msr: createClassifyOptions({ treatAs: 'msr' }),
};

function textFrame(text: string, frameAim?: string): Frame {
  const frame: Frame = { bytes: utf8.encode(text), text, warnings: [] };
  if (frameAim !== undefined) frame.aim = frameAim;
  return frame;
}

/** The one documented exception: the whole content is a valid EAN/UPC read from a barcode. */
function eanExempt(text: string, frameAim: string | undefined, reader: keyof typeof optionsFor): boolean {
  return reader !== 'msr' && readEanProduct(text.normalize('NFKC').trim(), frameAim) !== undefined;
}

const REJECTED: Classification = { kind: 'payment_card_rejected', warnings: [] };

test('a Luhn-valid PAN in a payment range is rejected whatever surrounds it, whatever the AIM and reader', (t) => {
  prove(
    t,
    { subject, property: 'PAN with any prefix/suffix/AIM/reader: payment_card_rejected', runs: 500 },
    fc
      .record({ pan, prefix: wrapper, suffix: wrapper, aim, reader: treatAs })
      .filter(({ prefix, suffix }) => !isDigitAt(prefix, -1) && !isDigitAt(suffix, 0)),
    ({ pan: card, prefix, suffix, aim: frameAim, reader }) => {
      const text = prefix + card.digits + suffix;
      fc.pre(!eanExempt(text, frameAim, reader));
      const frame = textFrame(text, frameAim);
      assert.equal(isPaymentCard(frame, optionsFor[reader].settings), true);
      assert.deepEqual(classify(frame, optionsFor[reader]), REJECTED);
    },
  );
});

test('printed digit groups of a PAN are rejected too', (t) => {
  prove(
    t,
    { subject, property: 'PAN printed in groups of 4 (space or dash): rejected', runs: 300 },
    fc
      .record({ pan, dash: fc.boolean(), prefix: wrapper, suffix: wrapper })
      .filter(
        ({ pan: card, prefix, suffix }) =>
          card.digits.length >= 14 && !isDigitAt(prefix, -1) && !isDigitAt(suffix, 0),
      ),
    ({ pan: card, dash, prefix, suffix }) => {
      const groups = card.digits.match(/.{1,4}/g)!;
      // The printed pattern wants groups of 3–6 after the first: fold a short tail into its neighbour.
      if (groups.at(-1)!.length < 3) groups.splice(-2, 2, groups.at(-2)! + groups.at(-1)!);
      const text = prefix + groups.join(dash ? '-' : ' ') + suffix;
      assert.deepEqual(classify(textFrame(text), optionsFor.auto), REJECTED);
    },
  );
});

test('an exemption for own loyalty prefixes never opens a named payment scheme', (t) => {
  const loyaltyPrefix = fc
    .tuple(
      fc.constantFrom('50', '56', '57', '58', '59', '60', '63', '66', '67', '68', '69'),
      fc.nat({ max: 9999 }),
    )
    .map(([head, tail]) => head + String(tail))
    .filter((p) => loyaltyIinPrefixesSchema.safeParse([p]).success);
  prove(
    t,
    { subject, property: 'named-scheme PAN with loyalty prefixes configured: rejected', runs: 300 },
    fc.record({
      pan: pan.filter((p) => p.scheme !== 'maestro'),
      prefixes: fc.array(loyaltyPrefix, { minLength: 1, maxLength: 4 }),
    }),
    ({ pan: card, prefixes }) => {
      const options = createClassifyOptions({ treatAs: 'msr', loyaltyIinPrefixes: prefixes });
      assert.deepEqual(classify(textFrame(`;${card.digits}?`), options), REJECTED);
    },
  );
});

test('track 1 and track 2 card data is rejected wherever it appears, Luhn or not', (t) => {
  const digits = (min: number, max: number) =>
    fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((d) => d.join(''));
  const track = fc.oneof(
    fc.tuple(digits(12, 19), digits(4, 4)).map(([p, exp]) => `;${p}=${exp}`),
    fc.tuple(digits(12, 19), fc.constantFrom('b', 'B')).map(([p, b]) => `%${b}${p}^DOE/J^`),
  );
  prove(
    t,
    { subject, property: 'track 1/2 anywhere in any text: rejected', runs: 300 },
    fc.record({
      track,
      before: fc.string({ unit: 'binary', maxLength: 40 }),
      after: fc.string({ maxLength: 40 }),
      aim,
      reader: treatAs,
    }),
    ({ track: data, before, after, aim: frameAim, reader }) => {
      assert.deepEqual(classify(textFrame(before + data + after, frameAim), optionsFor[reader]), REJECTED);
    },
  );
});

// The keyboard wedge: a reader whose keyboard country differs from the decoder's table still
// types the digits on the same keys, and the digit view keeps them whatever the table says.
const typeableBoth = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz !$%&()*+,.:;<>?=/-_#\'"'];
test('a PAN typed on any keyboard country into any decoder table, by any keys, is rejected', (t) => {
  const side = fc.string({ unit: fc.constantFrom(...typeableBoth), maxLength: 12 });
  prove(
    t,
    {
      subject,
      property: 'PAN typed us/de into a us/de decoder (main row, keypad, Alt codes): rejected',
      runs: 300,
    },
    fc.record({
      pan,
      prefix: side,
      suffix: side,
      scanner: fc.constantFrom('us' as const, 'de' as const),
      decoder: fc.constantFrom('us' as const, 'de' as const),
      digitKeys: fc.array(fc.constantFrom('row' as const, 'keypad' as const, 'alt' as const), {
        minLength: 19,
        maxLength: 19,
      }),
      reader: fc.constantFrom('auto' as const, 'msr' as const),
    }),
    ({ pan: card, prefix, suffix, scanner, decoder: table, digitKeys, reader }) => {
      const reports = typeText(scanner, prefix);
      [...card.digits].forEach((d, i) => {
        if (digitKeys[i] === 'keypad') reports.push(report(0, keypad(d)), report(0));
        else if (digitKeys[i] === 'alt') {
          // Alt+0nnn: the digit's Windows-1252 code, typed on the keypad with Alt held.
          reports.push(report(LALT));
          for (const k of `0${d.charCodeAt(0)}`) reports.push(report(LALT, keypad(k)), report(LALT));
          reports.push(report(0));
        } else reports.push(...typeText(scanner, d));
      });
      reports.push(...typeText(scanner, suffix), report(0, ENTER), report(0));
      const clock = createManualClock();
      const frames: Frame[] = [];
      const dec = createKeyboardDecoder(
        { layout: table, now: clock.now, setTimer: clock.setTimer, clearTimer: clock.clearTimer },
        { frame: (f) => frames.push(f) },
      );
      for (const r of reports) {
        clock.advance(2);
        dec.feed(r);
      }
      assert.equal(frames.length, 1);
      fc.pre(!eanExempt(frames[0]!.text, frames[0]!.aim, reader));
      assert.deepEqual(classify(frames[0]!, optionsFor[reader]), REJECTED);
    },
  );
});

const eanBody = (n: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''));
/** EAN-13 or UPC-A (12 digits) with its check digit. */
const validEan = fc.oneof(eanBody(12), eanBody(11)).map((b) => ({ code: b + gs1CheckDigit(b) }));

test('a valid EAN-13 or UPC-A from a scanner is a product, never a rejected card', (t) => {
  prove(
    t,
    { subject, property: 'valid EAN-13/UPC-A (AIM ]E0 or none, CR/LF left): product', runs: 500 },
    fc.record({
      ean: validEan,
      aim: fc.constantFrom(undefined, ']E0'),
      tail: fc.constantFrom('', '\r', '\r\n', ' '),
    }),
    ({ ean, aim: frameAim, tail }) => {
      const result = classify(textFrame(ean.code + tail, frameAim), optionsFor.auto);
      assert.equal(result.kind, 'product');
      assert.equal(result.product?.gtin, ean.code.padStart(14, '0'));
    },
  );
});

test('a valid EAN-13 with an add-on (]E3, or ]E0 … ]E2) is a product too', (t) => {
  prove(
    t,
    { subject, property: 'valid EAN-13 + 2/5-digit add-on: product', runs: 300 },
    fc.record({
      ean: eanBody(12).map((b) => b + gs1CheckDigit(b)),
      addOn: fc.oneof(eanBody(2), eanBody(5)),
      midAim: fc.boolean(),
    }),
    ({ ean, addOn, midAim }) => {
      const frame = midAim
        ? textFrame(`${ean}]E${addOn.length === 2 ? 1 : 2}${addOn}`, ']E0')
        : textFrame(ean + addOn, ']E3');
      const result = classify(frame, optionsFor.auto);
      assert.equal(result.kind, 'product');
      assert.deepEqual(result.product, { gtin: ean.padStart(14, '0'), add_on: addOn });
    },
  );
});

test('a valid EAN-13 typed by a keyboard-wedge scanner is a product', (t) => {
  prove(
    t,
    { subject, property: 'valid EAN-13 through the keyboard decoder: product', runs: 200 },
    fc.record({
      ean: eanBody(12).map((b) => b + gs1CheckDigit(b)),
      layout: fc.constantFrom('us' as const, 'de' as const),
    }),
    ({ ean, layout }) => {
      const frames: Frame[] = [];
      const dec = createKeyboardDecoder({ layout }, { frame: (f) => frames.push(f) });
      for (const r of [...typeText(layout, ean), report(0, ENTER), report(0)]) dec.feed(r);
      dec.close();
      assert.equal(frames.length, 1);
      assert.equal(classify(frames[0]!, optionsFor.auto).kind, 'product');
    },
  );
});

// Any frame at all, including what no decoder produces: lone surrogates, NUL, huge digit runs,
// wrong types where the type system says string.
const utf16 = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  maxLength: 200,
});
const digitHeavy = fc.string({
  unit: fc.constantFrom(...'0123456789012345678901234567890123456789 -=;%B^?\u0000４１', '\ud83d', '\ude00'),
  maxLength: 300,
});
const anyText = fc.oneof(utf16, digitHeavy, fc.string({ unit: 'binary', maxLength: 100 }));
const anyFrame = fc
  .record({
    text: fc.oneof({ weight: 10, arbitrary: anyText }, { weight: 1, arbitrary: fc.anything() }),
    aim: fc.oneof(aim, fc.anything()),
    digitView: fc.oneof(fc.constant(undefined), anyText, fc.anything()),
    warnings: fc.oneof(fc.array(fc.string()), fc.anything()),
  })
  .map((f) => ({ ...f, bytes: new Uint8Array(0) }) as unknown as Frame);
const kinds = new Set(['loyalty', 'product', 'gs1', 'uid', 'text', 'payment_card_rejected']);

test('no frame makes the guard or the classifier throw; the answer is always a well-formed classification', (t) => {
  prove(
    t,
    { subject: 'classifier', property: 'any frame: no throw, a well-formed classification', runs: 500 },
    fc.record({ frame: anyFrame, reader: treatAs }),
    ({ frame, reader }) => {
      assert.equal(typeof isPaymentCard(frame, optionsFor[reader].settings), 'boolean');
      const result = classify(frame, optionsFor[reader]);
      assert.ok(kinds.has(result.kind), result.kind);
      assert.ok(Array.isArray(result.warnings) && result.warnings.every((w) => typeof w === 'string'));
      assert.ok(!result.warnings.includes('classify_failed'), 'an internal error was caught');
      if (result.kind === 'payment_card_rejected') assert.deepEqual(result, REJECTED);
      else assert.equal(typeof result.text, 'string');
      for (const w of result.warnings) {
        // A catalogued code (src/classify/warnings.ts), or one the garbage frame itself carried.
        const known =
          w in scanWarnings || (Array.isArray(frame.warnings) && (frame.warnings as unknown[]).includes(w));
        assert.ok(known, `warning ${w}`);
      }
    },
  );
});
