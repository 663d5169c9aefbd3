// RFID/NFC UID normalisation (docs/scanners-and-readers.md §0 rule 9, §5, §8 items 33–36).
import test from 'ava';
import { normaliseUid, type UidSettings } from '../../src/classify/index.ts';

const read: Array<
  [
    string,
    string,
    Partial<UidSettings>,
    { canonical: string; hex: string; bits: number; format: string },
    string[],
  ]
> = [
  [
    'EM4100 DEZ10',
    '0156941150',
    { uidFormat: 'dec10' },
    { canonical: '095ABB5E', hex: '095ABB5E', bits: 32, format: 'dec10' },
    [],
  ],
  [
    'EM4100 DEZ8',
    '05946206',
    { uidFormat: 'dec8' },
    { canonical: 'W26:090:47966', hex: '5ABB5E', bits: 24, format: 'dec8' },
    [],
  ],
  [
    'EM4100 W26 3+5 with comma',
    '090,47966',
    { uidFormat: 'w26' },
    { canonical: 'W26:090:47966', hex: '5ABB5E', bits: 24, format: 'w26' },
    [],
  ],
  [
    'EM4100 W26 3+5 without comma',
    '09047966',
    { uidFormat: 'w26' },
    { canonical: 'W26:090:47966', hex: '5ABB5E', bits: 24, format: 'w26' },
    [],
  ],
  [
    'W26 from docs/scanners-and-readers.md §5.1',
    '213,02000',
    { uidFormat: 'w26' },
    { canonical: 'W26:213:02000', hex: 'D507D0', bits: 24, format: 'w26' },
    [],
  ],
  [
    'EM4100 10H',
    '01095abb5e',
    { uidFormat: 'hex' },
    { canonical: '01095ABB5E', hex: '01095ABB5E', bits: 40, format: 'hex' },
    [],
  ],
  [
    '10H narrowed to 32 bits',
    '01095ABB5E',
    { uidFormat: 'hex', uidCanonical: 'low32' },
    { canonical: '095ABB5E', hex: '01095ABB5E', bits: 32, format: 'hex' },
    [],
  ],
  [
    'MIFARE reversed',
    '0563537489',
    { uidFormat: 'dec10', byteOrder: 'lsb' },
    { canonical: '51E69621', hex: '51E69621', bits: 32, format: 'dec10' },
    [],
  ],
  [
    'hex with spaces between bytes',
    '51 E6 96 21',
    { uidFormat: 'hex' },
    { canonical: '51E69621', hex: '51E69621', bits: 32, format: 'hex' },
    [],
  ],
  [
    'hex reversed',
    '2196E651',
    { uidFormat: 'hex', byteOrder: 'lsb' },
    { canonical: '51E69621', hex: '51E69621', bits: 32, format: 'hex' },
    [],
  ],
  [
    '7-byte decimal below 2^53',
    '1304178000158336',
    { uidFormat: 'dec' },
    { canonical: '04A2249A6C5E80', hex: '04A2249A6C5E80', bits: 56, format: 'dec' },
    [],
  ],
  [
    '7-byte reversed decimal above 2^53',
    '36132617554534916',
    { uidFormat: 'dec', byteOrder: 'lsb' },
    { canonical: '04A2249A6C5E80', hex: '04A2249A6C5E80', bits: 56, format: 'dec' },
    [],
  ],
  [
    '10-byte hex',
    '04A2249A6C5E80112233',
    { uidFormat: 'hex' },
    { canonical: '04A2249A6C5E80112233', hex: '04A2249A6C5E80112233', bits: 80, format: 'hex' },
    [],
  ],
  [
    'auto: 10 digits read as DEZ10, flagged',
    '0156941150',
    {},
    { canonical: '095ABB5E', hex: '095ABB5E', bits: 32, format: 'dec10' },
    ['uid_format_ambiguous'],
  ],
  [
    'auto: 8 digits read as DEZ8, flagged',
    '05946206',
    {},
    { canonical: 'W26:090:47966', hex: '5ABB5E', bits: 24, format: 'dec8' },
    ['uid_format_ambiguous'],
  ],
  [
    'auto: hex letters',
    '01095ABB5E',
    {},
    { canonical: '01095ABB5E', hex: '01095ABB5E', bits: 40, format: 'hex' },
    [],
  ],
  [
    'auto: W26 with comma',
    '090,47966',
    {},
    { canonical: 'W26:090:47966', hex: '5ABB5E', bits: 24, format: 'w26' },
    [],
  ],
  [
    'auto: 16 digits are a decimal 7-byte UID',
    '1304178000158336',
    {},
    { canonical: '04A2249A6C5E80', hex: '04A2249A6C5E80', bits: 56, format: 'dec' },
    [],
  ],
  [
    'auto: surrounding whitespace',
    '  51E69621\r\n',
    {},
    { canonical: '51E69621', hex: '51E69621', bits: 32, format: 'hex' },
    [],
  ],
  [
    'EM tag with 0x08 kept when random-UID rejection is off',
    '0144357790',
    { uidFormat: 'dec10', rejectRandomUid: false },
    { canonical: '089AB99E', hex: '089AB99E', bits: 32, format: 'dec10' },
    [],
  ],
];

for (const [title, typed, settings, uid, warnings] of read) {
  test(`normaliseUid: ${title}`, (t) => {
    t.deepEqual(normaliseUid(typed, settings), { ok: true, uid, warnings });
  });
}

test('random UIDs (4 bytes starting 0x08) are refused in every spelling', (t) => {
  for (const [typed, settings] of [
    ['0824A937', { uidFormat: 'hex' }],
    ['080D3523', {}],
    ['37A92408', { uidFormat: 'hex', byteOrder: 'lsb' }],
    ['0144357790', { uidFormat: 'dec10' }],
  ] as const) {
    t.deepEqual(normaliseUid(typed, settings), { ok: false, reason: 'random_uid', warnings: [] }, typed);
  }
});

test('a 7-byte UID starting 0x08 is not random (only 4-byte UIDs are)', (t) => {
  const result = normaliseUid('08A2249A6C5E80', { uidFormat: 'hex' });
  t.true(result.ok);
});

test('what is not a UID in the configured format is unparseable, never thrown', (t) => {
  const bad: Array<[string, Partial<UidSettings>]> = [
    ['', {}],
    ['hello', {}],
    ['01095ABB5', { uidFormat: 'hex' }],
    ['4294967296', { uidFormat: 'dec10' }],
    ['16777216', { uidFormat: 'dec8' }],
    ['256,00001', { uidFormat: 'w26' }],
    ['001,65536', { uidFormat: 'w26' }],
    ['1'.repeat(26), { uidFormat: 'dec' }],
    ['\u0000\uD800', {}],
  ];
  for (const [typed, settings] of bad) {
    const result = normaliseUid(typed, settings);
    t.false(result.ok, JSON.stringify(typed));
    if (!result.ok) t.is(result.reason, 'uid_unparseable');
  }
});
