// The bad-input catalogue of docs/scanners-and-readers.md §8 (items 23–36) through `classify`, one
// row per input with the exact classification expected (DESIGN §3 `scan`: kind, symbology, aim,
// text, loyalty, warnings).
import test from 'ava';
import type { Frame } from '../../src/classify/index.ts';
import {
  type Classification,
  type ClassifySettingsInput,
  classify,
  createClassifyOptions,
} from '../../src/classify/index.ts';
import { frame } from './helpers/frames.ts';

interface Row {
  item: string;
  given: Frame;
  settings?: ClassifySettingsInput;
  expected: Classification;
}

const GS = '\x1d';
const APP = 'https://app.helloagain.com/c/Tok3n_ab-CD';
const helloAgain = (token: string) => ({ pattern: 'hello-again-app-url', token, kind: 'qr' as const });

const rows: Row[] = [
  // 23: AIM in the middle, AIM absent when expected.
  {
    item: '23 EAN-13 with a 2-digit add-on announced mid-data (]E0…]E2…)',
    given: frame('4006381333931]E212', { aim: ']E0' }),
    expected: {
      kind: 'product',
      symbology: 'ean-13',
      aim: ']E0',
      text: '4006381333931]E212',
      product: { gtin: '04006381333931', add_on: '12' },
      warnings: [],
    },
  },
  {
    item: '23 EAN-13 with a 5-digit add-on in one ]E3 string',
    given: frame('400638133393151234', { aim: ']E3' }),
    expected: {
      kind: 'product',
      symbology: 'ean-13',
      aim: ']E3',
      text: '400638133393151234',
      product: { gtin: '04006381333931', add_on: '51234' },
      warnings: [],
    },
  },
  {
    item: '23 a book: ISBN-13 with a 5-digit price add-on in one ]E3 string is no loyalty card number',
    given: frame('978316148410052995', { aim: ']E3' }),
    expected: {
      kind: 'product',
      symbology: 'ean-13',
      aim: ']E3',
      text: '978316148410052995',
      product: { gtin: '09783161484100', add_on: '52995' },
      warnings: [],
    },
  },
  {
    item: '23 EAN-13 without the expected AIM is inferred from length and check digit',
    given: frame('4006381333931'),
    expected: {
      kind: 'product',
      symbology: 'ean-13',
      text: '4006381333931',
      product: { gtin: '04006381333931' },
      warnings: [],
    },
  },
  {
    item: '23 ]E0 with a wrong check digit is text, flagged',
    given: frame('4006381333930', { aim: ']E0' }),
    expected: {
      kind: 'text',
      symbology: 'ean-13',
      aim: ']E0',
      text: '4006381333930',
      warnings: ['ean_check_digit_invalid'],
    },
  },
  // 24: non-UTF-8, BOM, NUL.
  {
    item: '24 CP1252 0xFC (non-UTF-8) arrives as latin1 text',
    given: { bytes: Uint8Array.from([0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72]), text: 'Müller', warnings: [] },
    expected: { kind: 'text', symbology: 'unknown', text: 'Müller', warnings: [] },
  },
  {
    item: '24 UTF-8 BOM before an EAN-13',
    given: frame('\uFEFF4006381333931'),
    expected: {
      kind: 'product',
      symbology: 'ean-13',
      text: '\uFEFF4006381333931',
      product: { gtin: '04006381333931' },
      warnings: [],
    },
  },
  {
    item: '24 NUL bytes inside the data are kept and flagged',
    given: frame('AB\x00CD', { aim: ']Q1' }),
    expected: {
      kind: 'text',
      symbology: 'qr',
      aim: ']Q1',
      text: 'AB\x00CD',
      warnings: ['control_characters'],
    },
  },
  {
    item: '24 a lone surrogate and the decoder warnings pass through',
    given: frame('x\uD800y', { warnings: ['layout_suspect'] }),
    expected: { kind: 'text', symbology: 'unknown', text: 'x\uD800y', warnings: ['layout_suspect'] },
  },
  // 25: a ModemManager probe that got framed anyway is harmless text.
  {
    item: '25 AT probe',
    given: frame('AT\r'),
    expected: { kind: 'text', symbology: 'unknown', text: 'AT\r', warnings: [] },
  },
  // 26: loyalty URLs.
  {
    item: '26 loyalty URL with query and fragment',
    given: frame(`${APP}?utm_source=app#top`, { aim: ']Q1' }),
    expected: {
      kind: 'loyalty',
      symbology: 'qr',
      aim: ']Q1',
      text: `${APP}?utm_source=app#top`,
      loyalty: helloAgain('Tok3n_ab-CD'),
      warnings: [],
    },
  },
  {
    item: '26 upper-case scheme and host',
    given: frame('HTTPS://APP.HELLOAGAIN.COM/c/Tok3n_ab-CD', { aim: ']Q1' }),
    expected: {
      kind: 'loyalty',
      symbology: 'qr',
      aim: ']Q1',
      text: 'HTTPS://APP.HELLOAGAIN.COM/c/Tok3n_ab-CD',
      loyalty: helloAgain('Tok3n_ab-CD'),
      warnings: [],
    },
  },
  {
    item: '26 trailing spaces',
    given: frame(`${APP}   `),
    expected: {
      kind: 'loyalty',
      symbology: 'unknown',
      text: `${APP}   `,
      loyalty: helloAgain('Tok3n_ab-CD'),
      warnings: [],
    },
  },
  {
    item: '26 percent-encoded token characters',
    given: frame('https://app.helloagain.at/c/Tok%33n%5Fab'),
    expected: {
      kind: 'loyalty',
      symbology: 'unknown',
      text: 'https://app.helloagain.at/c/Tok%33n%5Fab',
      loyalty: helloAgain('Tok3n_ab'),
      warnings: [],
    },
  },
  {
    item: '26 foreign host is not loyalty',
    given: frame('https://app.helloagain.evil.example/c/Tok3n_ab-CD', { aim: ']Q1' }),
    expected: {
      kind: 'text',
      symbology: 'qr',
      aim: ']Q1',
      text: 'https://app.helloagain.evil.example/c/Tok3n_ab-CD',
      warnings: ['foreign_host'],
    },
  },
  {
    item: '26 user-info trick puts the real host after the @',
    given: frame('https://app.helloagain.com@evil.example/c/Tok3n_ab-CD'),
    expected: {
      kind: 'text',
      symbology: 'unknown',
      text: 'https://app.helloagain.com@evil.example/c/Tok3n_ab-CD',
      warnings: ['foreign_host'],
    },
  },
  {
    item: '26 broken percent-encoding is reported, not thrown',
    given: frame('https://app.helloagain.com/c/Tok%zz'),
    expected: {
      kind: 'text',
      symbology: 'unknown',
      text: 'https://app.helloagain.com/c/Tok%zz',
      warnings: ['percent_decoding_invalid'],
    },
  },
  {
    item: '26 plain app token',
    given: frame('HA-MFRGGZDFMZTWQ2LK', { aim: ']Q1' }),
    expected: {
      kind: 'loyalty',
      symbology: 'qr',
      aim: ']Q1',
      text: 'HA-MFRGGZDFMZTWQ2LK',
      loyalty: { pattern: 'hello-again-token', token: 'HA-MFRGGZDFMZTWQ2LK', kind: 'qr' },
      warnings: [],
    },
  },
  // 27: EAN-13 that passes Luhn.
  {
    item: '27 EAN-13 4381241586833 with ]E0 is a product',
    given: frame('4381241586833', { aim: ']E0' }),
    expected: {
      kind: 'product',
      symbology: 'ean-13',
      aim: ']E0',
      text: '4381241586833',
      product: { gtin: '04381241586833' },
      warnings: [],
    },
  },
  {
    item: '27 EAN-13 4381241586833 without AIM is a product',
    given: frame('4381241586833'),
    expected: {
      kind: 'product',
      symbology: 'ean-13',
      text: '4381241586833',
      product: { gtin: '04381241586833' },
      warnings: [],
    },
  },
  {
    item: '27 the same digits in a QR code are refused as a card number',
    given: frame('4381241586833', { aim: ']Q1' }),
    expected: { kind: 'payment_card_rejected', warnings: [] },
  },
  // 28: test PANs (more forms in payment-guard.test.ts).
  {
    item: '28 Visa test PAN typed by a scanner',
    given: frame('4111111111111111'),
    expected: { kind: 'payment_card_rejected', warnings: [] },
  },
  {
    item: '28 Mastercard test PAN inside a loyalty QR URL',
    given: frame('https://app.helloagain.com/c/5555555555554444', { aim: ']Q1' }),
    expected: { kind: 'payment_card_rejected', warnings: [] },
  },
  {
    item: '28 Amex test PAN on Track 2',
    given: frame(';378282246310005=2512101?'),
    expected: { kind: 'payment_card_rejected', warnings: [] },
  },
  // 29: GS1.
  {
    item: '29 GS1 DataMatrix with GS separators',
    given: frame(`0109506000134352${GS}10ABC123${GS}17251231`, { aim: ']d2' }),
    expected: {
      kind: 'gs1',
      symbology: 'gs1-datamatrix',
      aim: ']d2',
      text: `0109506000134352${GS}10ABC123${GS}17251231`,
      gs1: { ais: { '01': '09506000134352', '10': 'ABC123', '17': '251231' } },
      warnings: [],
    },
  },
  {
    item: '29 the same through a keyboard wedge without GS and AIM',
    given: frame('010950600013435210ABC12317251231'),
    expected: {
      kind: 'gs1',
      symbology: 'unknown',
      text: '010950600013435210ABC12317251231',
      gs1: { ais: { '01': '09506000134352', '10': 'ABC12317251231' } },
      warnings: ['gs1_separator_missing'],
    },
  },
  {
    item: '29 GS1 QR with % separators',
    given: frame('0109506000134352%10ABC123%17251231', { aim: ']Q3' }),
    expected: {
      kind: 'gs1',
      symbology: 'gs1-qr',
      aim: ']Q3',
      text: '0109506000134352%10ABC123%17251231',
      gs1: { ais: { '01': '09506000134352', '10': 'ABC123', '17': '251231' } },
      warnings: [],
    },
  },
  {
    item: '29 GS1 Digital Link URL',
    given: frame('https://id.gs1.org/01/09506000134352/10/ABC%20123?17=251231&utm=x', { aim: ']Q1' }),
    expected: {
      kind: 'gs1',
      symbology: 'qr',
      aim: ']Q1',
      text: 'https://id.gs1.org/01/09506000134352/10/ABC%20123?17=251231&utm=x',
      gs1: { ais: { '01': '09506000134352', '10': 'ABC 123', '17': '251231' } },
      warnings: [],
    },
  },
  {
    item: '29 GS1-128 AIM with data that is not GS1',
    given: frame('HELLO', { aim: ']C1' }),
    expected: { kind: 'text', symbology: 'gs1-128', aim: ']C1', text: 'HELLO', warnings: ['gs1_invalid'] },
  },
  // 30: UPC-A vs EAN-13, UPC-E, EAN-8 vs EM4100 DEZ8.
  {
    item: '30 UPC-A, 12 digits',
    given: frame('036000291452', { aim: ']E0' }),
    expected: {
      kind: 'product',
      symbology: 'upc-a',
      aim: ']E0',
      text: '036000291452',
      product: { gtin: '00036000291452' },
      warnings: [],
    },
  },
  {
    item: '30 the same UPC-A in its EAN-13 form gives the same GTIN',
    given: frame('0036000291452', { aim: ']E0' }),
    expected: {
      kind: 'product',
      symbology: 'upc-a',
      aim: ']E0',
      text: '0036000291452',
      product: { gtin: '00036000291452' },
      warnings: [],
    },
  },
  {
    item: '30 UPC-E expands to its UPC-A GTIN',
    given: frame('04252614', { aim: ']E0' }),
    expected: {
      kind: 'product',
      symbology: 'upc-e',
      aim: ']E0',
      text: '04252614',
      product: { gtin: '00042100005264' },
      warnings: [],
    },
  },
  {
    item: '30 an 8-digit number that is a valid EAN-8 is a product on a barcode scanner',
    given: frame('05946204'),
    expected: {
      kind: 'product',
      symbology: 'ean-8',
      text: '05946204',
      product: { gtin: '00000005946204' },
      warnings: [],
    },
  },
  {
    item: '30 the same 8 digits from an EM4100 DEZ8 reader are a UID',
    given: frame('05946204'),
    settings: { treatAs: 'uid', uidFormat: 'dec8' },
    expected: {
      kind: 'uid',
      symbology: 'rfid-uid',
      text: '05946204',
      uid: { canonical: 'W26:090:47964', hex: '5ABB5C', bits: 24, format: 'dec8' },
      warnings: [],
    },
  },
  // 31: magstripe.
  {
    item: '31 Track 1 + Track 2 of a bank card',
    given: frame('%B4111111111111111^DOE/JOHN^2512101?;4111111111111111=2512101?'),
    settings: { treatAs: 'msr' },
    expected: { kind: 'payment_card_rejected', warnings: [] },
  },
  {
    item: '31 Track 1 read error, Track 2 still rejected',
    given: frame('%E?;5555555555554444=2512101?'),
    settings: { treatAs: 'msr' },
    expected: { kind: 'payment_card_rejected', warnings: [] },
  },
  {
    item: '31 read errors on every track',
    given: frame(';E?'),
    settings: { treatAs: 'msr' },
    expected: { kind: 'text', symbology: 'magstripe', text: ';E?', warnings: ['msr_read_error'] },
  },
  {
    item: '31 loyalty Track 2 without = accepted with the profile exemption',
    given: frame(';600123456789?'),
    settings: { treatAs: 'msr', loyaltyIinPrefixes: ['600123'] },
    expected: {
      kind: 'loyalty',
      symbology: 'magstripe',
      text: ';600123456789?',
      loyalty: { pattern: 'loyalty-card-track', token: '600123456789', kind: 'card' },
      warnings: [],
    },
  },
  {
    item: '31 loyalty Track 2 without = is refused without it (Maestro range, Luhn-valid)',
    given: frame(';600123456789?'),
    settings: { treatAs: 'msr' },
    expected: { kind: 'payment_card_rejected', warnings: [] },
  },
  {
    item: '31 loyalty Track 2 outside payment ranges after a Track 1 error',
    given: frame('%E?;9276001234567?'),
    settings: { treatAs: 'msr' },
    expected: {
      kind: 'loyalty',
      symbology: 'magstripe',
      text: '%E?;9276001234567?',
      loyalty: { pattern: 'loyalty-card-track', token: '9276001234567', kind: 'card' },
      warnings: [],
    },
  },
  // 32: layout mismatch on an MSR.
  {
    item: '32 US-keymap MSR decoded with the DE table',
    given: frame('ö4111111111111111´2512101000000000000_', { warnings: ['layout_suspect'] }),
    settings: { treatAs: 'msr' },
    expected: { kind: 'payment_card_rejected', warnings: [] },
  },
  // 33: one EM4100 tag (01 09 5A BB 5E), four ways of typing it.
  ...(
    [
      ['0156941150', 'dec10'],
      ['05946206', 'dec8'],
      ['090,47966', 'w26'],
      ['01095ABB5E', 'hex'],
    ] as const
  ).map(
    ([typed, uidFormat]): Row => ({
      item: `33 EM4100 tag typed as ${uidFormat} ${typed} narrows to one canonical id`,
      given: frame(typed),
      settings: { treatAs: 'uid', uidFormat, uidCanonical: 'w26', rejectRandomUid: false },
      expected: {
        kind: 'uid',
        symbology: 'rfid-uid',
        text: typed,
        uid: {
          canonical: 'W26:090:47966',
          hex: { dec10: '095ABB5E', dec8: '5ABB5E', w26: '5ABB5E', hex: '01095ABB5E' }[uidFormat],
          bits: 24,
          format: uidFormat,
        },
        warnings: [],
      },
    }),
  ),
  {
    item: '33 the 10H reader keeps all 40 bits by default',
    given: frame('01095ABB5E'),
    settings: { treatAs: 'uid', uidFormat: 'hex' },
    expected: {
      kind: 'uid',
      symbology: 'rfid-uid',
      text: '01095ABB5E',
      uid: { canonical: '01095ABB5E', hex: '01095ABB5E', bits: 40, format: 'hex' },
      warnings: [],
    },
  },
  // 34: byte-reversed MIFARE.
  {
    item: '34 reversed DEZ10 0563537489 is MIFARE 51E69621',
    given: frame('0563537489'),
    settings: { treatAs: 'uid', uidFormat: 'dec10', byteOrder: 'lsb' },
    expected: {
      kind: 'uid',
      symbology: 'rfid-uid',
      text: '0563537489',
      uid: { canonical: '51E69621', hex: '51E69621', bits: 32, format: 'dec10' },
      warnings: [],
    },
  },
  {
    item: '34 the MFRC522 reading of the same card',
    given: frame('51e69621'),
    settings: { treatAs: 'uid', uidFormat: 'hex' },
    expected: {
      kind: 'uid',
      symbology: 'rfid-uid',
      text: '51e69621',
      uid: { canonical: '51E69621', hex: '51E69621', bits: 32, format: 'hex' },
      warnings: [],
    },
  },
  // 35: random UIDs.
  ...['0824A937', '080D3523'].map(
    (typed): Row => ({
      item: `35 random UID ${typed} is refused`,
      given: frame(typed),
      settings: { treatAs: 'uid', uidFormat: 'hex' },
      expected: { kind: 'text', symbology: 'rfid-uid', text: typed, warnings: ['random_uid'] },
    }),
  ),
  // 36: 7-byte UIDs.
  {
    item: '36 7-byte UID as 14 hex digits',
    given: frame('04:A2:24:9A:6C:5E:80'),
    settings: { treatAs: 'uid', uidFormat: 'hex' },
    expected: {
      kind: 'uid',
      symbology: 'rfid-uid',
      text: '04:A2:24:9A:6C:5E:80',
      uid: { canonical: '04A2249A6C5E80', hex: '04A2249A6C5E80', bits: 56, format: 'hex' },
      warnings: [],
    },
  },
  {
    item: '36 the same UID reversed, in 17 decimal digits (beyond 2^53)',
    given: frame('36132617554534916'),
    settings: { treatAs: 'uid', uidFormat: 'dec', byteOrder: 'lsb' },
    expected: {
      kind: 'uid',
      symbology: 'rfid-uid',
      text: '36132617554534916',
      uid: { canonical: '04A2249A6C5E80', hex: '04A2249A6C5E80', bits: 56, format: 'dec' },
      warnings: [],
    },
  },
  {
    item: '36 a UID reader whose UID matches a uid loyalty pattern identifies a customer',
    given: frame('04A2249A6C5E80'),
    settings: {
      treatAs: 'uid',
      loyaltyPatterns: [{ name: 'nfc-card', kind: 'uid', regex: '(?<token>04[0-9A-F]{12})' }],
    },
    expected: {
      kind: 'loyalty',
      symbology: 'rfid-uid',
      text: '04A2249A6C5E80',
      uid: { canonical: '04A2249A6C5E80', hex: '04A2249A6C5E80', bits: 56, format: 'hex' },
      loyalty: { pattern: 'nfc-card', token: '04A2249A6C5E80', kind: 'uid' },
      warnings: [],
    },
  },
];

for (const row of rows) {
  test(`docs/scanners-and-readers.md §8 item ${row.item}`, (t) => {
    const options = createClassifyOptions(row.settings ?? {});
    t.deepEqual(classify(row.given, options), row.expected);
  });
}
