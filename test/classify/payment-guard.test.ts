// Payment-card guard (DESIGN §3 `kind`, docs/scanners-and-readers.md §0 rule 8, §4.2, §8 items 27,
// 28, 31, 32). Given a frame carrying a test card number in any form, when it is classified, then
// only `payment_card_rejected` comes out, with nothing derived from the content.
import test from 'ava';
import fc from 'fast-check';
import type { Frame } from '../../src/classify/index.ts';
import { classify, createClassifyOptions, isPaymentCard } from '../../src/classify/index.ts';
import { createKeyboardDecoder } from '../../src/devices/keyboard/index.ts';
import { frame, panFragments } from './helpers/frames.ts';
import { typedOnUsKeyboard } from './helpers/us-keyboard.ts';

const defaults = createClassifyOptions();
const REJECTED = { kind: 'payment_card_rejected', warnings: [] };

const TEST_PANS = {
  visa: '4111111111111111',
  mastercard: '5555555555554444',
  amex: '378282246310005',
};

/** Where a card number can hide, as the frame reaches the classifier. */
const CARRIERS: Array<[string, (pan: string) => Frame]> = [
  ['typed plainly', (pan) => frame(pan)],
  ['typed with an Enter left in the data', (pan) => frame(`${pan}\r\n`)],
  ['inside a QR URL', (pan) => frame(`https://app.helloagain.com/c/${pan}?x=1`, { aim: ']Q1' })],
  ['inside QR JSON', (pan) => frame(`{"card":"${pan}","exp":"12/25"}`, { aim: ']Q1' })],
  ['as a Code 128 barcode', (pan) => frame(pan, { aim: ']C0' })],
  [
    'in full-width digits inside a QR',
    (pan) => frame(String.fromCodePoint(...[...pan].map((d) => 0xff10 + Number(d)))),
  ],
  ['on Track 1', (pan) => frame(`%B${pan}^DOE/JOHN^2512101000000000000?`)],
  ['on Track 2', (pan) => frame(`;${pan}=25121010000000000000?`)],
  ['on Tracks 1 and 2', (pan) => frame(`%B${pan}^DOE/JOHN^2512101?;${pan}=2512101?`)],
  ['on Track 2 after a Track 1 read error', (pan) => frame(`%E?;${pan}=2512101?`)],
  ['US-keymap MSR decoded with the DE table', (pan) => frame(`ö${pan}´2512101000000000000_`)],
  [
    'only in the digit view (layout turned the digits into symbols)',
    (pan) => frame(`m${'&'.repeat(pan.length)}=é(&é`, { digitView: `m${pan}=2512` }),
  ],
  [
    'in the digit view glued to sentinels typed as shifted digits',
    (pan) => frame(`5B${"'".repeat(pan.length)}6DOE:JOHN6`, { digitView: `5B${pan}6DOE:JOHN6` }),
  ],
  ['as a 12–19 digit run between letters', (pan) => frame(`CARD${pan}END`)],
];

for (const [brand, pan] of Object.entries(TEST_PANS)) {
  for (const [carrier, make] of CARRIERS) {
    test(`${brand} test PAN ${carrier} is rejected`, (t) => {
      const given = make(pan);
      t.true(isPaymentCard(given, defaults.settings));
      t.deepEqual(classify(given, defaults), REJECTED);
    });
  }
}

test('printed digit groups of a card number are rejected', (t) => {
  t.deepEqual(classify(frame('4111 1111 1111 1111'), defaults), REJECTED);
  t.deepEqual(classify(frame('Amex 3782-822463-10005 ok'), defaults), REJECTED);
});

test('a card number whose first digit a framer took for an AIM id is still rejected', (t) => {
  // `]A4111…` typed as data: the framer splits `]A4` off, the text keeps only `111…`.
  t.deepEqual(classify(frame('111111111111111', { aim: ']A4' }), defaults), REJECTED);
  t.deepEqual(classify(frame('20000000004', { aim: ']A2', digitView: '20000000004' }), defaults), REJECTED);
  // A GS1 QR after its own AIM is not glued to the AIM's digit (]Q3 + 01… would be Diners 301…, Luhn-valid for the first two).
  const gs1 = ['0100000000000048', '0100000000000055', '0109506000134352'];
  for (const content of gs1)
    t.not(classify(frame(content, { aim: ']Q3' }), defaults).kind, 'payment_card_rejected');
});

test('a rejection carries no digit, text, byte or length of the card', (t) => {
  for (const pan of Object.values(TEST_PANS)) {
    const given = frame(`%B${pan}^DOE/JOHN^2512101?;${pan}=2512101?`, { warnings: ['timeout_framed'] });
    const json = JSON.stringify(classify(given, defaults));
    for (const fragment of panFragments(pan))
      t.false(json.includes(fragment), `leaked ${fragment.length} digits`);
    t.false(/[0-9]/.test(json));
    t.is(json, '{"kind":"payment_card_rejected","warnings":[]}');
  }
});

test('a US-keymap card reader decoded with the DE layout by the real keyboard decoder is rejected', (t) => {
  // Given a reader that types US key positions and a decoder set to German.
  const frames: Frame[] = [];
  const decoder = createKeyboardDecoder({ layout: 'de' }, { frame: (f) => frames.push(f) });
  // When it swipes a card with both tracks.
  for (const r of typedOnUsKeyboard(`%B${TEST_PANS.visa}^DOE/JOHN^2512101?;${TEST_PANS.visa}=2512101?`)) {
    decoder.feed(r);
  }
  decoder.close();
  // Then the text is mangled (no `;`, `^` or `=` survive) and still the card is rejected.
  t.is(frames.length, 1);
  const decoded = frames[0]!;
  t.false(decoded.text.includes(';') || decoded.text.includes('^') || decoded.text.includes('='));
  t.deepEqual(classify(decoded, defaults), REJECTED);
});

test('an EAN-13 that passes Luhn and starts with 4 is a product, not a PAN (docs/scanners-and-readers.md §4.2 rule 4)', (t) => {
  for (const aim of [undefined, ']E0']) {
    const given = frame('4381241586833', aim === undefined ? {} : { aim });
    t.false(isPaymentCard(given, defaults.settings));
    t.is(classify(given, defaults).kind, 'product');
  }
});

test('the EAN exemption needs an EAN AIM or none, a valid check digit and a barcode reader', (t) => {
  t.true(isPaymentCard(frame('4381241586833', { aim: ']Q1' }), defaults.settings));
  t.true(isPaymentCard(frame('4381241586833', { aim: ']C0' }), defaults.settings));
  t.true(isPaymentCard(frame('4381241586833'), { treatAs: 'msr', loyaltyIinPrefixes: [] }));
  // One digit off: no longer a valid EAN, but Luhn-valid in the Visa range.
  t.true(isPaymentCard(frame('4006381333932', { aim: ']E0' }), defaults.settings));
  t.true(isPaymentCard(frame('4381241586833 4381241586833'), defaults.settings));
});

test('valid EAN-13 / UPC-A codes in payment ranges that pass Luhn stay products', (t) => {
  for (const code of ['5901234123457', '4000000000006', '400000000077']) {
    t.false(isPaymentCard(frame(code), defaults.settings), code);
  }
});

test('numbers outside payment ranges or failing Luhn are not payment cards', (t) => {
  const notCards = [
    '4111111111111112', // Luhn fails
    '9276001234567895', // Luhn-valid, MII 9 (national assignment)
    '1304178000158332', // Luhn-valid, 16 digits starting 1 (UATP is 15 digits only)
    '41111111111', // 11 digits: too short for a PAN
    '00340123450000000001', // 20-digit run (SSCC): longer than any PAN
    '4111111111111111'.replace(/1/g, 'x'),
  ];
  for (const text of notCards) t.false(isPaymentCard(frame(text), defaults.settings), text);
});

test('every named payment scheme is refused, Luhn-valid', (t) => {
  const perScheme = [
    '6011111111111117', // Discover
    '3530111333300000', // JCB
    '30569309025904', // Diners
    '620000000000000', // UnionPay
    '2223003122003222', // Mastercard 2-series
    '6759649826438453', // Maestro
    '3528000000000007', // JCB range start
  ];
  for (const pan of perScheme) t.true(isPaymentCard(frame(pan), defaults.settings), pan);
});

test('a loyalty range inside the Maestro catch-all is refused unless the profile exempts it', (t) => {
  // Given the magstripe loyalty card of docs/scanners-and-readers.md §8 item 31: Luhn-valid, starts
  // with 60 (Maestro).
  const swipe = frame(';600123456789?');
  t.deepEqual(classify(swipe, createClassifyOptions({ treatAs: 'msr' })), REJECTED);
  const exempting = createClassifyOptions({ treatAs: 'msr', loyaltyIinPrefixes: ['600123'] });
  t.false(isPaymentCard(swipe, exempting.settings));
  // The exemption never reaches a bank card with the same number on Track 2 (PAN + expiry).
  t.deepEqual(classify(frame(';600123456789=2512?'), exempting), REJECTED);
});

test('garbage never throws and never slips through when it holds a PAN', (t) => {
  const odd = [
    `\u0000\uD800${TEST_PANS.visa}\uDFFF`,
    `\x1d${TEST_PANS.mastercard}\x1d`,
    `${'9'.repeat(5000)} ${TEST_PANS.amex}`,
  ];
  for (const text of odd) t.deepEqual(classify(frame(text), defaults), REJECTED);
  t.notThrows(() =>
    classify(frame('\uD800\uDBFF\u0000'.repeat(1000), { digitView: '1'.repeat(3000) }), defaults),
  );
});

test('a frame that is not even a string fails closed', (t) => {
  const broken = {
    bytes: new Uint8Array(),
    text: {
      toString: () => {
        throw new Error('boom');
      },
    },
    warnings: [],
  };
  t.true(isPaymentCard(broken as unknown as Frame, defaults.settings));
  t.deepEqual(classify(broken as unknown as Frame, defaults), REJECTED);
});

test('the few-digits shortcut answers as the full guard does, for any text and AIM', (t) => {
  // A frame with a digit view (even an empty one) always runs every rule: it is the oracle.
  const piece = fc.oneof(
    fc.string({ maxLength: 6 }),
    fc.stringMatching(/^[0-9]{1,19}$/),
    fc.constantFrom('%B', ';', '=', '^', ' ', '-', '4111', '5555 5555', '\uff14', '\u2460', '\u00b9', ']A4'),
    fc.constantFrom(...Object.values(TEST_PANS)),
  );
  const run = fc.check(
    fc.property(
      fc.array(piece, { maxLength: 8 }).map((p) => p.join('')),
      fc.constantFrom(undefined, ']A4', ']E0', ']Q1', ']C0', ']E3'),
      (text, aim) => {
        const fast = isPaymentCard(aim === undefined ? { text } : { text, aim });
        const full = isPaymentCard(
          aim === undefined ? { text, digitView: '' } : { text, aim, digitView: '' },
        );
        return fast === full;
      },
    ),
    { numRuns: 5000 },
  );
  t.is(run.failed, false, run.counterexample ? JSON.stringify(run.counterexample) : '');
  t.is(run.numRuns, 5000);
});
