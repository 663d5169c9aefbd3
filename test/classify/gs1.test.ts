// GS1 element strings and Digital Link (docs/scanners-and-readers.md §7.2, §8 item 29).
import test from 'ava';
import { parseGs1, parseGs1DigitalLink, readScannedUrl } from '../../src/classify/index.ts';

const GS = '\x1d';

const parsed: Array<[string, string, Record<string, string>, string[]]> = [
  [
    'fixed-length AIs need no separator',
    '01095060001343521725123115200110',
    { '01': '09506000134352', '17': '251231', '15': '200110' },
    [],
  ],
  [
    'variable-length AIs end at GS',
    `0109506000134352${GS}10ABC123${GS}21SER-9${GS}17251231`,
    { '01': '09506000134352', '10': 'ABC123', '21': 'SER-9', '17': '251231' },
    [],
  ],
  [
    'a leading GS (FNC1 sent as GS) is skipped',
    `${GS}00340123450000000000`,
    { '00': '340123450000000000' },
    [],
  ],
  [
    'a GS after a fixed-length AI is tolerated',
    `0109506000134352${GS}3103000250`,
    { '01': '09506000134352', '3103': '000250' },
    [],
  ],
  ['4-digit measure AI and 3-digit AI', '3102001234400PO-7', { '3102': '001234', '400': 'PO-7' }, []],
  ['amount with currency and variable count', `3922995${GS}37120`, { '3922': '995', '37': '120' }, []],
  [
    'human-readable brackets',
    '(01)09506000134352(10)ABC123(17)251231',
    { '01': '09506000134352', '10': 'ABC123', '17': '251231' },
    [],
  ],
  [
    'a wrong GTIN check digit is kept and flagged',
    '0109506000134353',
    { '01': '09506000134353' },
    ['gs1_check_digit_invalid'],
  ],
  [
    'no GS at all and a date glued to the batch: flagged, never split',
    '010950600013435210ABC12317251231',
    { '01': '09506000134352', '10': 'ABC12317251231' },
    ['gs1_separator_missing'],
  ],
  [
    'no GS and a batch longer than AI 10 allows: flagged',
    '0109506000134352' + '10ABCDEFGHIJKLMNOPQRSTUVW',
    { '01': '09506000134352', '10': 'ABCDEFGHIJKLMNOPQRSTUVW' },
    ['gs1_separator_missing'],
  ],
  [
    'no GS but a batch that ends plainly: no warning',
    '010950600013435210ABC123',
    { '01': '09506000134352', '10': 'ABC123' },
    [],
  ],
  [
    'separators present: a variable AI at the end is normal',
    `0109506000134352${GS}2112345617251231`,
    { '01': '09506000134352', '21': '12345617251231' },
    [],
  ],
];

for (const [title, input, ais, warnings] of parsed) {
  test(`parseGs1: ${title}`, (t) => {
    t.deepEqual(parseGs1(input), { ok: true, ais, warnings });
  });
}

const failures: Array<[string, string, string]> = [
  ['empty', '', 'empty'],
  ['unknown AI', '0409506000134352', 'unknown_ai'],
  ['GTIN cut short', '01095060001343', 'truncated'],
  ['letters in a numeric AI', '01095060001343AB', 'invalid_value'],
  ['impossible date', '010950600013435217251331', 'invalid_value'],
  ['control character in a value', `10AB\x07C`, 'invalid_value'],
  ['value too long between separators', `10${'X'.repeat(21)}${GS}17251231`, 'invalid_value'],
  ['same AI twice with different values', `10A${GS}10B`, 'duplicate_ai'],
  ['bracketed form with a wrong length', '(01)123', 'invalid_value'],
];

for (const [title, input, reason] of failures) {
  test(`parseGs1 refuses ${title}`, (t) => {
    t.deepEqual(parseGs1(input), { ok: false, reason });
  });
}

test('parseGs1 splits on % only when told to (GS1 QR)', (t) => {
  t.deepEqual(parseGs1('10AB%CD'), { ok: true, ais: { '10': 'AB%CD' }, warnings: [] });
  t.deepEqual(parseGs1('10AB%17251231', { separators: [GS, '%'] }), {
    ok: true,
    ais: { '10': 'AB', '17': '251231' },
    warnings: [],
  });
});

test('Digital Link with a path prefix, a GTIN-13 padded to 14 and query attributes', (t) => {
  const url = readScannedUrl('https://example.com/shop/01/4006381333931/21/S%2F1?3103=000250&foo=bar#x')!;
  t.deepEqual(parseGs1DigitalLink(url), {
    ok: true,
    ais: { '01': '04006381333931', '21': 'S/1', '3103': '000250' },
    warnings: [],
  });
});

test('an ordinary URL is not a Digital Link', (t) => {
  for (const text of [
    'https://example.com/00/products',
    'https://example.com/c/01',
    'https://example.com/01/x/10',
  ]) {
    t.is(parseGs1DigitalLink(readScannedUrl(text)!), undefined, text);
  }
});
