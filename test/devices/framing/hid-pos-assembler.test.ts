// HID POS report assembly against the bad-input catalogue,
// docs/scanners-and-readers.md §8 items 16–21.

import test from 'ava';
import {
  createHidPosAssembler,
  type HidPosAssemblerOptions,
} from '../../../src/devices/framing/hid-pos-assembler.ts';
import { createManualClock } from '../../../src/devices/framing/manual-clock.ts';
import { collect } from './collect.ts';
import { honeywellReport, honeywellScan, newlandReport } from './hid-reports.ts';

function assembler(opts: Omit<HidPosAssemblerOptions, 'clock'> = {}) {
  const clock = createManualClock();
  const out = collect();
  const a = createHidPosAssembler({ ...opts, clock }, out.sink);
  return { clock, out, a };
}

const QR_120 = `https://loyalty.example/c/${'Z9'.repeat(47)}`; // 120 bytes: 56 + 56 + 8

test('one report: AIM from bytes 2-4, data cut at the byte count, CR suffix stripped', (t) => {
  const { out, a } = assembler({ layout: 'honeywell' });
  a.feed(honeywellReport({ data: '4006381333931\r', aim: ']E0', codeId: 'd' }));
  t.deepEqual(out.seen(), [{ text: '4006381333931', aim: ']E0', warnings: [] }]);
  t.is(out.frames[0]!.bytes.length, 13);
});

test('a scan over three reports joins on the continued bit; the padded last chunk is cut at its count (item 16)', (t) => {
  const { clock, out, a } = assembler();
  const reports = honeywellScan(QR_120);
  t.is(reports.length, 3);
  a.feed(reports[0]!);
  a.feed(reports[1]!);
  t.deepEqual(out.frames, []);
  a.feed(reports[2]!);
  t.deepEqual(out.seen(), [{ text: QR_120, aim: ']Q1', warnings: [] }]);
  t.is(clock.pending(), 0, 'no continuation timer left behind');
});

test('NUL inside the byte count is data; suffixStripCr false keeps the CR (item 17)', (t) => {
  const strip = assembler({ suffixStripCr: true });
  strip.a.feed(honeywellReport({ data: 'AB\u0000CD\r', aim: ']d1' }));
  t.deepEqual(Array.from(strip.out.frames[0]!.bytes), [0x41, 0x42, 0x00, 0x43, 0x44]);
  t.deepEqual(strip.out.seen(), [{ text: 'AB\u0000CD', aim: ']d1', warnings: ['nul_in_data'] }]);

  const keep = assembler({ suffixStripCr: false });
  keep.a.feed(honeywellReport({ data: 'line1\rline2\r' }));
  t.is(keep.out.frames[0]!.text, 'line1\rline2\r');
});

test('a CR LF suffix split over two reports is stripped; a scan of nothing but its suffix is no frame', (t) => {
  const { clock, out, a } = assembler();
  a.feed(honeywellReport({ data: '4006381333931\r', aim: ']E0', continued: true }));
  a.feed(honeywellReport({ data: '\n', aim: ']E0' }));
  t.deepEqual(out.seen(), [{ text: '4006381333931', aim: ']E0', warnings: [] }]);
  // The long property run's counterexample (seed 259522081): CR and LF alone, one report each.
  a.feed(honeywellReport({ data: '\r', aim: ']Q1', continued: true }));
  a.feed(honeywellReport({ data: '\n', aim: ']Q1' }));
  t.is(out.frames.length, 1, 'no empty frame');
  t.deepEqual(out.problems, []);
  t.is(clock.pending(), 0);
});

test('Newland layout: data at byte 2, no AIM bytes (item 18)', (t) => {
  const { out, a } = assembler({ layout: 'newland' });
  const text = `${'N'.repeat(56)}tail\r`;
  a.feed(newlandReport(text.slice(0, 56), true));
  a.feed(newlandReport(text.slice(56)));
  t.deepEqual(out.seen(), [{ text: `${'N'.repeat(56)}tail`, warnings: [] }]);
});

test('the Honeywell layout read with the Newland preset would be wrong: offsets matter (item 18)', (t) => {
  const { out, a } = assembler({ layout: 'newland' });
  a.feed(honeywellReport({ data: 'ABCDEF', aim: ']E0' }));
  t.deepEqual(
    out.seen(),
    [{ text: 'ABC', aim: ']E0', warnings: [] }],
    'Newland reads bytes 2..7: DEF is lost',
  );
});

test('Newland layout: an AIM id the scanner puts in front of the data is split off, as on serial', (t) => {
  const { out, a } = assembler({ layout: 'newland' });
  a.feed(newlandReport(']E04006381333931'));
  a.feed(newlandReport('no AIM here'));
  t.deepEqual(out.seen(), [
    { text: '4006381333931', aim: ']E0', warnings: [] },
    { text: 'no AIM here', warnings: [] },
  ]);
});

test('explicit offsets from a report descriptor work like a preset', (t) => {
  const { out, a } = assembler({
    layout: {
      reportId: '0x07',
      lengthOffset: 4,
      aimOffset: 1,
      dataOffset: 5,
      dataLength: 8,
      continuedByte: 13,
      continuedMask: '0x80',
    },
  });
  const r1 = Uint8Array.from([0x07, 0x5d, 0x43, 0x30, 8, ...Buffer.from('ABCDEFGH'), 0x80]);
  const r2 = Uint8Array.from([0x07, 0x5d, 0x43, 0x30, 2, ...Buffer.from('IJ\0\0\0\0\0\0'), 0x00]);
  a.feed(r1);
  a.feed(r2);
  t.deepEqual(out.seen(), [{ text: 'ABCDEFGHIJ', aim: ']C0', warnings: [] }]);
});

test('other report IDs and ]X0/]Z6 menu responses between chunks leave the scan intact (item 19)', (t) => {
  const { out, a } = assembler();
  const [first, second, third] = honeywellScan(QR_120);
  a.feed(first!);
  a.feed(Uint8Array.from([0x05, 0x01, 0x00, 0x00])); // some other input report
  a.feed(honeywellReport({ data: 'REVINF', aim: ']X0' }));
  a.feed(honeywellReport({ data: 'REVINF\u0006.', aim: ']Z6' }));
  a.feed(second!);
  a.feed(third!);
  t.deepEqual(out.seen(), [{ text: QR_120, aim: ']Q1', warnings: [] }]);
  t.deepEqual(out.problems, []);
});

test('a profile may keep ]X0 scans (Bookland/ISSN) by listing only ]Z6 as a menu response', (t) => {
  const { out, a } = assembler({ commandResponseAims: [']Z6'] });
  a.feed(honeywellReport({ data: '9780201379624', aim: ']X0' }));
  t.deepEqual(out.seen(), [{ text: '9780201379624', aim: ']X0', warnings: [] }]);
});

test('byte count 0 or above 56 is reported and the scan in progress discarded (item 20)', (t) => {
  const { out, a } = assembler();
  a.feed(honeywellReport({ data: '', count: 0 }));
  const [first, , last] = honeywellScan(QR_120);
  a.feed(first!);
  a.feed(honeywellReport({ data: 'x'.repeat(56), count: 57, continued: true }));
  a.feed(last!);
  t.deepEqual(out.problems, ['bad_length', 'bad_length']);
  t.deepEqual(out.seen(), [{ text: QR_120.slice(112), aim: ']Q1', warnings: [] }]);
});

test('continued bit set but no follow-up: discarded as incomplete after the timeout (item 20)', (t) => {
  const { clock, out, a } = assembler({ continuationTimeoutMs: 300 });
  a.feed(honeywellScan(QR_120)[0]!);
  clock.advance(299);
  t.deepEqual(out.problems, []);
  clock.advance(1);
  t.deepEqual(out.problems, ['incomplete']);
  t.deepEqual(out.frames, []);
  a.feed(honeywellReport({ data: 'NEXT' }));
  t.deepEqual(
    out.frames.map((f) => f.text),
    ['NEXT'],
    'the stale chunk does not leak into the next scan',
  );
});

test('a report too short for the layout is reported and nothing is emitted', (t) => {
  const { out, a } = assembler();
  a.feed(Uint8Array.from([0x02, 0x03, 0x5d, 0x51, 0x31, 0x41, 0x42, 0x43]));
  a.feed(new Uint8Array(0));
  t.deepEqual(out.problems, ['short_report']);
  t.deepEqual(out.frames, []);
});

test('a UTF-8 character split across two reports decodes once joined', (t) => {
  const { out, a } = assembler({ layout: 'newland' });
  const all = Buffer.from(`${'x'.repeat(55)}über`, 'utf8');
  a.feed(newlandReport(all.subarray(0, 56), true));
  a.feed(newlandReport(all.subarray(56)));
  t.deepEqual(out.seen(), [{ text: `${'x'.repeat(55)}über`, warnings: [] }]);
});

test('a stuck continued bit stops at maxLength and swallows the rest of that scan', (t) => {
  const { out, a } = assembler({ maxLength: 100 });
  const reports = honeywellScan(QR_120);
  for (const r of reports) a.feed(r);
  a.feed(honeywellReport({ data: 'after' }));
  t.deepEqual(out.problems, ['overlong']);
  t.deepEqual(
    out.frames.map((f) => f.text),
    ['after'],
  );
});

test('close drops a scan in progress and ignores later reports (item 15)', (t) => {
  const { clock, out, a } = assembler();
  a.feed(honeywellScan(QR_120)[0]!);
  a.close();
  t.is(clock.pending(), 0);
  a.feed(honeywellReport({ data: 'late' }));
  t.deepEqual(out.frames, []);
  t.deepEqual(out.problems, []);
});
