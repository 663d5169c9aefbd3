// Nasty device input (bad-input corpus, device half; after the catalogue of bad inputs in the device
// research): odd report layouts, floods, control bytes, overlong lines, mixed encodings,
// payment tracks, unplugs mid-scan. Each case is what one device sends and what the till must see:
// the scan events (kind, text, warnings…) and the problems logged as `device input problem`, exactly.
// Replayed through the real device manager, transports, decoders and framers of a real gateway
// (fake node-hid backend, a socat pty for serial) by test/proof/device-corpus.test.ts.
import { honeywellReport, honeywellScan, newlandReport } from '../../devices/framing/hid-reports.ts';
import {
  CAPS_LOCK,
  ENTER,
  KP_ENTER,
  keypad,
  LALT,
  LCTRL,
  LSHIFT,
  RELEASE,
  RSHIFT,
  report,
  TAB,
  tap,
  typeText,
  withReportId,
} from '../../devices/keyboard/helpers/reports.ts';

export type DeviceName = 'keyboard' | 'msr' | 'uid' | 'honeywell' | 'newland' | 'serial';

export type Step =
  /** HID input reports, report ID first where the device numbers them. */
  | { reports: Uint8Array[] }
  /** Bytes written into the serial line at once. */
  | { bytes: Buffer }
  /** The cable is pulled and plugged back in; the device is online again before the next step. */
  | { unplug: true };

export interface ScanExpect {
  kind: string;
  text?: string | null;
  aim?: string | null;
  symbology?: string | null;
  warnings?: string[];
}

export interface DeviceCase {
  name: string;
  device: DeviceName;
  steps: Step[];
  expect: {
    scans: ScanExpect[];
    /** Codes of the `device input problem` lines logged for this device, in order. */
    problems?: string[];
    /** Scans dropped as a repeat of the same code within the duplicate window. */
    duplicates?: number;
  };
  /** Must appear in no log line and no MQTT message (card numbers, names on a card). */
  secret?: string[];
}

const us = (text: string) => typeText('us', text);
const typed = (text: string, layout: 'us' | 'de' = 'us'): Step => ({
  reports: [...typeText(layout, text), ...tap(ENTER)],
});
const serial = (text: string | Buffer): Step => ({
  bytes: typeof text === 'string' ? Buffer.from(text, 'latin1') : text,
});
const hidPos = (...reports: Uint8Array[]): Step => ({ reports });
const latin1 = (s: string) => Buffer.from(s, 'latin1');

const VISA = '4111111111111111';
const MC = '5555555555554444';
const AMEX = '378282246310005';
const rejected: ScanExpect = {
  kind: 'payment_card_rejected',
  text: null,
  aim: null,
  symbology: null,
  warnings: [],
};
const EAN = '4006381333931';
const product = (extra: Partial<ScanExpect> = {}): ScanExpect => ({ kind: 'product', text: EAN, ...extra });
const text = (t: string, warnings: string[] = [], extra: Partial<ScanExpect> = {}): ScanExpect => ({
  kind: 'text',
  text: t,
  warnings,
  ...extra,
});

/** Alt held, the keypad digits, Alt released, as a wedge in "Alt mode" types a character. */
function altCode(digits: string): Uint8Array[] {
  const out = [report(LALT)];
  for (const d of digits) out.push(report(LALT, keypad(d)), report(LALT));
  out.push(RELEASE);
  return out;
}

const many = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

export const deviceCases: DeviceCase[] = [
  // --- Serial / USB-CDC (first: the ModemManager probe window counts from the port's opening).
  {
    name: 'ModemManager AT probes while the port opens',
    device: 'serial',
    steps: [serial('AT\rAT+GCAP\r')],
    expect: { scans: [], problems: ['modem_probe', 'modem_probe'] },
  },
  {
    name: 'EAN-13 with AIM and CR',
    device: 'serial',
    steps: [serial(`]E0${EAN}\r`)],
    expect: { scans: [product({ aim: ']E0', symbology: 'ean-13' })] },
  },
  {
    name: 'CRLF suffix on a CR profile: the LF is no scan',
    device: 'serial',
    steps: [serial('CRLF-1\r\n]Q1HELLO-QR\r\n')],
    expect: { scans: [text('CRLF-1'), text('HELLO-QR', [], { aim: ']Q1' })] },
  },
  {
    name: 'LF-only suffix: framed by the idle timeout',
    device: 'serial',
    steps: [serial('LF-ONLY-1\n')],
    expect: { scans: [text('LF-ONLY-1', ['timeout_framed'])] },
  },
  {
    name: 'no terminator at all: idle timeout, flagged',
    device: 'serial',
    steps: [serial('NO-SUFFIX-42')],
    expect: { scans: [text('NO-SUFFIX-42', ['timeout_framed'])] },
  },
  {
    name: 'CP1252 bytes (wrong code page)',
    device: 'serial',
    steps: [serial(latin1('M\xfcller\r'))],
    expect: { scans: [text('Müller', ['non_utf8'])] },
  },
  {
    name: 'UTF-8 with a BOM',
    device: 'serial',
    steps: [serial(Buffer.from('\ufeffGrüße\r', 'utf8'))],
    expect: { scans: [text('Grüße')] },
  },
  {
    name: 'NUL bytes inside the data are kept and flagged',
    device: 'serial',
    steps: [serial(latin1('A\x00B\r'))],
    expect: { scans: [text('A\u0000B', ['nul_in_data', 'control_characters'])] },
  },
  {
    name: 'a flood of NUL line noise is no scan',
    device: 'serial',
    steps: [serial(Buffer.alloc(10_000, 0))],
    expect: { scans: [] },
  },
  {
    // Everything up to the next line end is garbage too; the next scan after it is clean.
    name: 'wrong-baud garbage of 6,000 bytes up to a line end: dropped, logged',
    device: 'serial',
    steps: [
      serial(
        Buffer.concat([
          Buffer.from(Array.from({ length: 6_000 }, (_, i) => 0x80 | ((i * 37) % 128))),
          latin1('\r'),
        ]),
      ),
    ],
    expect: { scans: [], problems: ['overlong'] },
  },
  {
    name: 'an overlong line of 5,000 characters, then CR: dropped, logged',
    device: 'serial',
    steps: [serial(`${'X'.repeat(5000)}\r`)],
    expect: { scans: [], problems: ['overlong'] },
  },
  {
    name: 'a line of exactly 4,096 characters is a scan',
    device: 'serial',
    steps: [serial(`${'Y'.repeat(4096)}\r`)],
    expect: { scans: [text('Y'.repeat(4096))] },
  },
  {
    name: 'GS1-128 with GS separators',
    device: 'serial',
    steps: [serial(`]C10109506000134352\x1d10ABC123\r`)],
    expect: { scans: [{ kind: 'gs1', aim: ']C1', symbology: 'gs1-128' }] },
  },
  {
    name: 'UPC-A with add-on announced mid-data',
    device: 'serial',
    steps: [serial(`]E0036000291452]E212\r`)],
    expect: { scans: [{ kind: 'product', aim: ']E0' }] },
  },
  {
    name: 'escape sequences and other C0 controls',
    device: 'serial',
    steps: [serial(latin1('\x1b[2J\x07BELL\x08\r'))],
    expect: { scans: [text('\u001b[2J\u0007BELL\b', ['control_characters'])] },
  },
  {
    name: 'payment card on track 2 through a serial reader',
    device: 'serial',
    steps: [serial(`;${VISA}=25121010000000000000?\r`)],
    expect: { scans: [rejected] },
    secret: [VISA],
  },
  {
    name: '1,000 scans in one read: 1,000 events in order',
    device: 'serial',
    steps: [serial(many(1000, (i) => `FLOOD-S-${i}\r`).join(''))],
    expect: { scans: many(1000, (i) => text(`FLOOD-S-${i}`)) },
  },
  {
    name: 'unplugged mid-line: the partial line is never published',
    device: 'serial',
    steps: [serial('PARTIAL-LI'), { unplug: true }, serial('AFTER-REPLUG\r')],
    expect: { scans: [text('AFTER-REPLUG')] },
  },

  // --- Keyboard wedge (generic US scanner, Enter suffix, 200 ms idle timeout).
  {
    name: 'EAN-13 typed, Enter',
    device: 'keyboard',
    steps: [typed(EAN)],
    expect: { scans: [product({ symbology: 'ean-13' })] },
  },
  {
    name: 'keypad Enter as suffix',
    device: 'keyboard',
    steps: [{ reports: [...us('KP-ENTER'), ...tap(KP_ENTER)] }],
    expect: { scans: [text('KP-ENTER')] },
  },
  {
    name: 'Tab instead of Enter: data, framed by the timeout',
    device: 'keyboard',
    steps: [{ reports: [...us('TABBED'), ...tap(TAB)] }],
    expect: { scans: [text('TABBED\t', ['timeout_framed'])] },
  },
  {
    name: 'suffix missing: idle timeout, flagged',
    device: 'keyboard',
    steps: [{ reports: us('NO-ENTER') }],
    expect: { scans: [text('NO-ENTER', ['timeout_framed'])] },
  },
  {
    name: '9-byte reports with a report ID',
    device: 'keyboard',
    steps: [{ reports: withReportId(1, [...us('WITH-ID'), ...tap(ENTER)]) }],
    expect: { scans: [text('WITH-ID')] },
  },
  {
    name: '3-byte V-USB reports',
    device: 'keyboard',
    steps: [{ reports: [...us('VUSB'), ...tap(ENTER)].map((r) => Uint8Array.from([r[0]!, 0, r[2]!])) }],
    expect: { scans: [text('VUSB')] },
  },
  {
    name: '1-byte and 16-byte reports are refused, the scan goes on',
    device: 'keyboard',
    steps: [
      {
        reports: [...us('OD'), Uint8Array.of(0x04), new Uint8Array(16).fill(0x05), ...us('D'), ...tap(ENTER)],
      },
    ],
    expect: { scans: [text('ODD')], problems: ['unsupported_report', 'unsupported_report'] },
  },
  {
    name: 'ErrorRollOver phantom report in the middle of a scan',
    device: 'keyboard',
    steps: [{ reports: [...us('ROLL'), report(0, 1, 1, 1, 1, 1, 1), ...us('OVER'), ...tap(ENTER)] }],
    expect: { scans: [text('ROLLOVER')] },
  },
  {
    name: 'the same report repeated while a key is held: one character',
    device: 'keyboard',
    steps: [{ reports: [report(0, 0x04), report(0, 0x04), report(0, 0x04), RELEASE, ...tap(ENTER)] }],
    expect: { scans: [text('a')] },
  },
  {
    name: 'two new keys in one report keep array order',
    device: 'keyboard',
    steps: [{ reports: [report(0, 0x04, 0x05), RELEASE, ...tap(ENTER)] }],
    expect: { scans: [text('ab')] },
  },
  {
    name: 'Shift in its own report before the key; RShift instead of LShift',
    device: 'keyboard',
    steps: [
      {
        reports: [
          report(LSHIFT),
          report(LSHIFT, 0x04),
          RELEASE,
          report(RSHIFT, 0x05),
          RELEASE,
          ...tap(ENTER),
        ],
      },
    ],
    expect: { scans: [text('AB')] },
  },
  {
    name: 'CapsLock pressed on the device inverts letters',
    device: 'keyboard',
    steps: [{ reports: [...tap(CAPS_LOCK), ...us('caps'), ...tap(CAPS_LOCK), ...tap(ENTER)] }],
    expect: { scans: [text('CAPS')] },
  },
  {
    name: 'Alt+numpad characters (Windows-1252 and CP850)',
    device: 'keyboard',
    steps: [{ reports: [...us('M'), ...altCode('0252'), ...us('ller'), ...altCode('129'), ...tap(ENTER)] }],
    expect: { scans: [text('Müllerü')] },
  },
  {
    name: 'Ctrl+] types GS inside GS1 data',
    device: 'keyboard',
    steps: [
      { reports: [...us('0109506000134352'), report(LCTRL, 0x30), RELEASE, ...us('10ABC'), ...tap(ENTER)] },
    ],
    expect: { scans: [{ kind: 'gs1', text: '0109506000134352\u001d10ABC' }] },
  },
  {
    name: 'Ctrl+D (EOT) and Esc are control characters',
    device: 'keyboard',
    steps: [{ reports: [...us('A'), report(LCTRL, 0x07), RELEASE, ...tap(0x29), ...us('B'), ...tap(ENTER)] }],
    expect: { scans: [text('A\u0004\u001bB', ['control_characters'])] },
  },
  {
    name: 'LAlt held with a letter is flagged',
    device: 'keyboard',
    steps: [{ reports: [report(LALT, 0x14), RELEASE, ...tap(ENTER)] }],
    expect: { scans: [text('q', ['alt_modifier'])] },
  },
  {
    name: 'keys with no meaning in the table are flagged, not silently lost',
    device: 'keyboard',
    steps: [{ reports: [...us('F'), ...tap(0x3a), ...us('1'), ...tap(ENTER)] }],
    expect: { scans: [text('F1', ['unmapped_key'])] },
  },
  {
    name: 'DE scanner into the US table: a loyalty URL comes out mangled and flagged',
    device: 'keyboard',
    steps: [typed('https://loyalty.example/c/AB12', 'de')],
    expect: { scans: [text('https>&&lozaltz.example&c&AB12', ['layout_suspect'])] },
  },
  {
    name: 'a lone Enter is no scan',
    device: 'keyboard',
    steps: [{ reports: tap(ENTER) }],
    expect: { scans: [] },
  },
  {
    name: 'an overlong keyboard scan of 5,000 keys: dropped, logged',
    device: 'keyboard',
    steps: [typed('Z'.repeat(5000))],
    expect: { scans: [], problems: ['too_long'] },
  },
  {
    name: 'a payment card number in a QR URL typed by a scanner',
    device: 'keyboard',
    steps: [typed(`https://pay.example/?pan=${VISA}&exp=1225`)],
    expect: { scans: [rejected] },
    secret: [VISA],
  },
  {
    name: 'a card number typed on the keypad',
    device: 'keyboard',
    steps: [{ reports: [...[...MC].flatMap((d) => tap(keypad(d))), ...tap(ENTER)] }],
    expect: { scans: [rejected] },
    secret: [MC],
  },
  {
    name: 'the same code held under the scanner 10 times: one scan',
    device: 'keyboard',
    steps: many(10, () => typed('HELD-CODE-1')),
    expect: { scans: [text('HELD-CODE-1')], duplicates: 9 },
  },
  {
    name: '300 different scans back to back: 300 events in order',
    device: 'keyboard',
    steps: [{ reports: many(300, (i) => [...us(`K${i}`), ...tap(ENTER)]).flat() }],
    expect: { scans: many(300, (i) => text(`K${i}`)) },
  },
  {
    name: 'unplugged mid-scan: the partial scan is never published',
    device: 'keyboard',
    steps: [{ reports: us('HALF-A-SC') }, { unplug: true }, typed('WHOLE')],
    expect: { scans: [text('WHOLE')] },
  },

  // --- Magnetic stripe reader (MagTek keyboard emulation, US keymap).
  {
    name: 'tracks 1 and 2 of a payment card',
    device: 'msr',
    steps: [typed(`%B${VISA}^DOE/JOHN^2512101000000000000?;${VISA}=25121010000000000000?`)],
    expect: { scans: [rejected] },
    secret: [VISA, 'DOE/JOHN'],
  },
  {
    name: 'track 1 read error, track 2 of a payment card',
    device: 'msr',
    steps: [typed(`%E?;${AMEX}=2512101000000?`)],
    expect: { scans: [rejected] },
    secret: [AMEX],
  },
  {
    name: 'read errors on every track',
    device: 'msr',
    steps: [typed('%E?;E?+E?')],
    expect: { scans: [{ kind: 'text', text: '%E?;E?+E?', warnings: ['msr_read_error'] }] },
  },
  {
    name: 'a loyalty card on track 2 (MII 9, no "=")',
    device: 'msr',
    steps: [typed(';9276001234567890?')],
    expect: { scans: [{ kind: 'loyalty', text: ';9276001234567890?' }] },
  },
  {
    name: 'a DE-keymap reader decoded with the US table still cannot leak the card',
    device: 'msr',
    steps: [typed(`%B${MC}^DOE/JANE^2612101?;${MC}=2612101?`, 'de')],
    expect: { scans: [rejected] },
    secret: [MC, 'DOE/JANE'],
  },
  {
    name: 'a card typed by Alt codes only',
    device: 'msr',
    steps: [{ reports: [...[...VISA].flatMap((d) => altCode(`0${d.charCodeAt(0)}`)), ...tap(ENTER)] }],
    expect: { scans: [rejected] },
    secret: [VISA],
  },

  // --- 13.56 MHz UID reader (hex, typed LSB first).
  {
    name: 'a UID typed LSB first is published MSB first',
    device: 'uid',
    steps: [typed('51E69621')],
    expect: { scans: [{ kind: 'uid', text: '51E69621' }] },
  },
  {
    name: 'a random UID (08…) cannot identify anyone',
    device: 'uid',
    steps: [typed('37A92408')],
    expect: { scans: [{ kind: 'text', text: '37A92408', warnings: ['random_uid'] }] },
  },
  {
    name: 'a UID reader typing garbage',
    device: 'uid',
    steps: [typed('NOT-A-UID!')],
    expect: { scans: [{ kind: 'text', text: 'NOT-A-UID!', warnings: ['uid_unparseable'] }] },
  },

  // --- HID POS, Honeywell layout (AIM in bytes 2–4, data from byte 5).
  {
    name: 'a QR of 200 bytes over four reports',
    device: 'honeywell',
    steps: [hidPos(...honeywellScan(`QR-${'q'.repeat(197)}`))],
    expect: { scans: [text(`QR-${'q'.repeat(197)}`, [], { aim: ']Q1' })] },
  },
  {
    name: 'a trailing CR suffix inside the data is stripped',
    device: 'honeywell',
    steps: [hidPos(honeywellReport({ data: 'CR-SUFFIX\r' }))],
    expect: { scans: [text('CR-SUFFIX', [], { aim: ']Q1' })] },
  },
  {
    name: 'NUL inside the byte count is kept',
    device: 'honeywell',
    steps: [hidPos(honeywellReport({ data: latin1('N\x00L'), aim: ']d1' }))],
    expect: { scans: [text('N\u0000L', ['nul_in_data', 'control_characters'], { aim: ']d1' })] },
  },
  {
    name: 'menu responses (]X0, ]Z6) between the reports of a scan',
    device: 'honeywell',
    steps: [
      hidPos(
        honeywellReport({ data: 'A'.repeat(56), continued: true }),
        honeywellReport({ data: 'REVINF', aim: ']X0' }),
        honeywellReport({ data: '\x06', aim: ']Z6' }),
        honeywellReport({ data: 'B' }),
      ),
    ],
    expect: { scans: [text(`${'A'.repeat(56)}B`, [], { aim: ']Q1' })] },
  },
  {
    name: 'byte count 0 and byte count 200: refused, logged',
    device: 'honeywell',
    steps: [hidPos(honeywellReport({ data: 'X', count: 0 }), honeywellReport({ data: 'X', count: 200 }))],
    expect: { scans: [], problems: ['bad_length', 'bad_length'] },
  },
  {
    name: 'a short report of the scan ID: refused, logged',
    device: 'honeywell',
    steps: [hidPos(Uint8Array.of(0x02, 3, 0x5d))],
    expect: { scans: [], problems: ['short_report'] },
  },
  {
    name: 'reports of other IDs (trigger, status) are ignored',
    device: 'honeywell',
    steps: [
      hidPos(
        Uint8Array.of(0x04, 0x04),
        new Uint8Array(64).fill(0x15),
        honeywellReport({ data: 'AFTER-OTHERS' }),
      ),
    ],
    expect: { scans: [text('AFTER-OTHERS', [], { aim: ']Q1' })] },
  },
  {
    name: 'continued bit set, no follow-up: discarded after the timeout, logged',
    device: 'honeywell',
    steps: [hidPos(honeywellReport({ data: 'C'.repeat(56), continued: true }))],
    expect: { scans: [], problems: ['incomplete'] },
  },
  {
    name: 'a stuck continued bit: 200 reports, dropped as overlong, logged once',
    device: 'honeywell',
    steps: [
      hidPos(
        ...many(200, () => honeywellReport({ data: 'S'.repeat(56), continued: true })),
        honeywellReport({ data: 'END' }),
      ),
    ],
    expect: { scans: [], problems: ['overlong'] },
  },
  {
    name: 'a payment card number in a QR',
    device: 'honeywell',
    steps: [hidPos(...honeywellScan(`{"card":"${MC}","cvc":"123"}`))],
    expect: { scans: [rejected] },
    secret: [MC],
  },
  {
    name: 'a card number in full-width UTF-8 digits',
    device: 'honeywell',
    steps: [hidPos(...honeywellScan(String.fromCodePoint(...[...VISA].map((d) => 0xff10 + Number(d)))))],
    expect: { scans: [rejected] },
    secret: [VISA],
  },
  {
    name: '200 single-report scans back to back',
    device: 'honeywell',
    steps: [hidPos(...many(200, (i) => honeywellReport({ data: `HP-${i}` })))],
    expect: { scans: many(200, (i) => text(`HP-${i}`, [], { aim: ']Q1' })) },
  },
  {
    name: 'unplugged mid-scan: the first half is never published',
    device: 'honeywell',
    steps: [
      hidPos(honeywellReport({ data: 'H'.repeat(56), continued: true })),
      { unplug: true },
      hidPos(honeywellReport({ data: 'FRESH' })),
    ],
    expect: { scans: [text('FRESH', [], { aim: ']Q1' })] },
  },

  // --- HID POS, Newland layout (no AIM bytes, data from byte 2).
  {
    name: 'Newland: a UTF-8 character split across two reports',
    device: 'newland',
    steps: [
      hidPos(
        newlandReport(Buffer.concat([Buffer.alloc(55, 0x78), Buffer.from([0xc3])]), true),
        newlandReport(Buffer.from([0xbc, 0x62])),
      ),
    ],
    expect: { scans: [text(`${'x'.repeat(55)}üb`)] },
  },
  {
    name: 'Newland: invalid UTF-8 falls back to CP1252, flagged',
    device: 'newland',
    steps: [hidPos(newlandReport(latin1('Stra\xdfe')))],
    expect: { scans: [text('Straße', ['non_utf8'])] },
  },
  {
    name: 'Newland: an AIM id typed into the data is split off',
    device: 'newland',
    steps: [hidPos(newlandReport(`]E0${EAN}`))],
    expect: { scans: [product({ aim: ']E0' })] },
  },
];
