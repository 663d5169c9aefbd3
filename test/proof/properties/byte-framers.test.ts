// Properties of the byte-level framers (src/devices/framing/): the serial/CDC framer and the HID POS
// assembler. Whatever bytes or reports arrive, however split, they stay inside their contract, and
// a scanner's payload comes out byte for byte.
import assert from 'node:assert/strict';
import test from 'ava';
import fc from 'fast-check';
import {
  createHidPosAssembler,
  createManualClock,
  createSerialFramer,
  type HidPosInput,
  type SerialFramingInput,
} from '../../../src/devices/framing/index.ts';
import type { Frame } from '../../../src/devices/types.ts';
import { honeywellReport, newlandReport } from '../../devices/framing/hid-reports.ts';
import { prove } from './prove.ts';

function sinkInto(frames: Frame[], problems: string[]) {
  return {
    frame: (f: Frame) => frames.push({ ...f, bytes: Uint8Array.from(f.bytes) }),
    problem: (code: string) => problems.push(code),
  };
}

const terminator = fc.oneof(
  fc.constantFrom('cr' as const, 'lf' as const, 'crlf' as const, 'none' as const),
  fc.uint8Array({ minLength: 1, maxLength: 3 }).map((b) => [...b]),
);
const serialSettings: fc.Arbitrary<SerialFramingInput> = fc.record({
  terminator,
  idleTimeoutMs: fc.integer({ min: 1, max: 200 }),
  maxLength: fc.integer({ min: 1, max: 300 }),
  aim: fc.constantFrom('expected' as const, 'optional' as const, 'absent' as const),
  ignoreAtProbeMs: fc.constantFrom(0, 10_000),
});

/** Bytes a serial line delivers: scanner-like text, line ends, NUL, BOM, AT probes, anything. */
const lineBytes = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 80 }) },
  {
    weight: 3,
    arbitrary: fc
      .array(
        fc.constantFrom(
          ...['4006381333931', ']E0', ']Q1', '\r', '\n', '\r\n', '\x00', '\xef\xbb\xbf', 'AT\r', 'é', '\x1d'],
        ),
        { maxLength: 12 },
      )
      .map((parts) => Uint8Array.from(Buffer.from(parts.join(''), 'latin1'))),
  },
);
type SerialStep = { chunk: Uint8Array; gapMs: number } | { reset: true };
const serialSteps = fc.array(
  fc.oneof(
    { weight: 30, arbitrary: fc.record({ chunk: lineBytes, gapMs: fc.nat({ max: 250 }) }) },
    { weight: 1, arbitrary: fc.constant({ reset: true as const }) },
  ),
  { maxLength: 60 },
);

function serialRun(settings: SerialFramingInput, steps: SerialStep[], closeAfter: boolean) {
  const clock = createManualClock(0);
  const frames: Frame[] = [];
  const problems: string[] = [];
  const framer = createSerialFramer({ ...settings, clock }, sinkInto(frames, problems));
  for (const s of steps) {
    if ('reset' in s) {
      framer.reset();
      continue;
    }
    clock.advance(s.gapMs);
    framer.push(s.chunk);
  }
  if (closeAfter) framer.close();
  clock.advance(1_000);
  return { frames, problems, pending: clock.pending() };
}

test('serial framer: any bytes, any settings — frames within maxLength, never empty, no timer left', (t) => {
  prove(
    t,
    { subject: 'serial framer', property: 'any bytes, any settings: frames within limits', runs: 400 },
    fc.record({ settings: serialSettings, steps: serialSteps, closeAfter: fc.boolean() }),
    ({ settings, steps, closeAfter }) => {
      const { frames, problems, pending } = serialRun(settings, steps, closeAfter);
      assert.equal(pending, 0, 'a timer is still armed');
      for (const f of frames) {
        assert.ok(f.bytes.length > 0, 'an empty frame');
        assert.ok(f.bytes.length <= settings.maxLength!, `longer than maxLength: ${f.bytes.length}`);
        if (settings.aim === 'absent') assert.equal(f.aim, undefined, 'an AIM split off although absent');
        if (settings.aim === 'expected' && f.aim === undefined) assert.ok(f.warnings.includes('aim_missing'));
      }
      for (const p of problems) assert.ok(['overlong', 'modem_probe', 'sink_error'].includes(p), p);
      assert.ok(!problems.includes('sink_error'));
    },
  );
});

test('serial framer: how the bytes are split into reads changes nothing', (t) => {
  prove(
    t,
    { subject: 'serial framer', property: 'split anywhere: same frames, same problems', runs: 400 },
    fc.record({
      settings: serialSettings,
      data: fc.array(lineBytes, { maxLength: 20 }).map((chunks) => Buffer.concat(chunks)),
      cuts: fc.array(fc.nat(), { maxLength: 30 }),
    }),
    ({ settings, data, cuts }) => {
      const whole = serialRun(settings, [{ chunk: data, gapMs: 0 }], false);
      const at = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
      const pieces: SerialStep[] = [];
      let from = 0;
      for (const cut of [...at, data.length]) {
        pieces.push({ chunk: data.subarray(from, cut), gapMs: 0 });
        from = cut;
      }
      const split = serialRun(settings, pieces, false);
      assert.deepEqual(split.frames, whole.frames);
      assert.deepEqual(split.problems, whole.problems);
    },
  );
});

/** What a CR-terminated scanner sends: payloads without line ends, a leading NUL, an AIM or a BOM. */
const serialPayload = fc.uint8Array({ minLength: 1, maxLength: 200 }).filter(
  (b) =>
    !b.includes(0x0d) &&
    !b.includes(0x0a) &&
    b[0] !== 0x00 &&
    b[0] !== 0x5d && // `]`: an AIM id would be split off
    !(b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf),
);

test('serial framer: scans terminated by CR or CRLF come out byte for byte, one frame each', (t) => {
  prove(
    t,
    { subject: 'serial framer', property: 'CR/CRLF scans: payload byte for byte', runs: 300 },
    fc.record({
      payloads: fc.array(serialPayload, { minLength: 1, maxLength: 8 }),
      crlf: fc.boolean(),
      chunk: fc.integer({ min: 1, max: 64 }),
    }),
    ({ payloads, crlf, chunk }) => {
      const line = crlf ? [0x0d, 0x0a] : [0x0d];
      const stream = Buffer.concat(payloads.map((p) => Buffer.from([...p, ...line])));
      const steps: SerialStep[] = [];
      for (let at = 0; at < stream.length; at += chunk)
        steps.push({ chunk: stream.subarray(at, at + chunk), gapMs: 1 });
      const { frames, problems } = serialRun(
        { terminator: 'cr', maxLength: 4096, idleTimeoutMs: 100, ignoreAtProbeMs: 0 },
        steps,
        false,
      );
      assert.deepEqual(problems, []);
      assert.deepEqual(
        frames.map((f) => Buffer.from(f.bytes).toString('hex')),
        payloads.map((p) => Buffer.from(p).toString('hex')),
      );
    },
  );
});

// HID POS: reports of the scan report ID with any count, AIM, continued bit, and other report IDs.
const hidPosSettings: fc.Arbitrary<HidPosInput> = fc.record({
  layout: fc.constantFrom('honeywell' as const, 'newland' as const),
  suffixStripCr: fc.boolean(),
  continuationTimeoutMs: fc.integer({ min: 1, max: 500 }),
  maxLength: fc.integer({ min: 1, max: 400 }),
});
const anyHidReport = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record({
        data: fc.uint8Array({ maxLength: 56 }),
        count: fc.option(fc.nat({ max: 255 }), { nil: undefined }),
        aim: fc.constantFrom(']Q1', ']E0', ']X0', ']Z6', '\x00\x00\x00'),
        continued: fc.boolean(),
      })
      .map((r) => honeywellReport(r)),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.uint8Array({ maxLength: 56 }), fc.boolean())
      .map(([data, continued]) => newlandReport(data, continued)),
  },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 70 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 70 }).map((b) => Uint8Array.from([0x02, ...b])) },
);

test('HID POS assembler: any reports, any layout — frames within maxLength, never empty, no timer left', (t) => {
  prove(
    t,
    { subject: 'HID POS assembler', property: 'any reports, any settings: frames within limits', runs: 400 },
    fc.record({
      settings: hidPosSettings,
      steps: fc.array(fc.record({ report: anyHidReport, gapMs: fc.nat({ max: 600 }) }), { maxLength: 40 }),
    }),
    ({ settings, steps }) => {
      const clock = createManualClock(0);
      const frames: Frame[] = [];
      const problems: string[] = [];
      const asm = createHidPosAssembler({ ...settings, clock }, sinkInto(frames, problems));
      for (const s of steps) {
        clock.advance(s.gapMs);
        asm.feed(s.report);
      }
      clock.advance(1_000);
      assert.equal(clock.pending(), 0, 'a timer is still armed');
      for (const f of frames) {
        assert.ok(f.bytes.length > 0, 'an empty frame');
        assert.ok(f.bytes.length <= settings.maxLength!, `longer than maxLength: ${f.bytes.length}`);
        // Honeywell menu responses come with their AIM in the report's AIM bytes (Newland has none).
        if (settings.layout === 'honeywell')
          assert.ok(f.aim !== ']X0' && f.aim !== ']Z6', 'a menu response published as a scan');
      }
      for (const p of problems)
        assert.ok(['short_report', 'bad_length', 'overlong', 'incomplete'].includes(p), p);
    },
  );
});

test('HID POS assembler: a scan split over reports, with other reports and menu responses between, is one frame byte for byte', (t) => {
  prove(
    t,
    {
      subject: 'HID POS assembler',
      property: 'multi-report scan among foreign reports: payload byte for byte',
      runs: 300,
    },
    fc.record({
      // Not ending in CR or CR LF: with suffixStripCr (the default) a trailing CR or CR LF is the
      // scanner's suffix, so such a payload is not one a scanner could send intact (seed 259522081:
      // [0d 0a], an empty scan with its CRLF suffix). The suffix itself is added below.
      payload: fc
        .uint8Array({ minLength: 1, maxLength: 600 })
        .filter((b) => b.at(-1) !== 0x0d && !(b.at(-2) === 0x0d && b.at(-1) === 0x0a)),
      // The suffix arrives inside the data and may be split over reports; it is stripped exactly.
      suffix: fc.constantFrom([], [0x0d], [0x0d, 0x0a]),
      aim: fc.constantFrom(']Q1', ']d2', ']E0', ']C1'),
      chunk: fc.integer({ min: 1, max: 56 }),
      // Other report IDs (trigger, status) and Honeywell menu responses (]X0/]Z6 on the scan ID).
      foreign: fc.array(
        fc.oneof(
          fc.uint8Array({ minLength: 1, maxLength: 64 }).filter((r) => r[0] !== 0x02),
          fc
            .tuple(fc.uint8Array({ maxLength: 56 }), fc.constantFrom(']X0', ']Z6'), fc.boolean())
            .map(([data, menu, continued]) => honeywellReport({ data, aim: menu, continued })),
        ),
        { maxLength: 10 },
      ),
      foreignAt: fc.array(fc.nat(), { maxLength: 10 }),
    }),
    ({ payload, aim, chunk, suffix, foreign, foreignAt }) => {
      const sent = Uint8Array.from([...payload, ...suffix]);
      const reports: Uint8Array[] = [];
      for (let at = 0; at < sent.length; at += chunk) {
        const data = sent.subarray(at, at + chunk);
        reports.push(honeywellReport({ data, aim, continued: at + chunk < sent.length }));
      }
      foreign.forEach((r, i) => {
        reports.splice((foreignAt[i] ?? 0) % (reports.length + 1), 0, r);
      });
      const frames: Frame[] = [];
      const problems: string[] = [];
      const asm = createHidPosAssembler(
        { maxLength: 8192, clock: createManualClock(0) },
        sinkInto(frames, problems),
      );
      for (const r of reports) asm.feed(r);
      assert.deepEqual(problems, []);
      assert.equal(frames.length, 1);
      assert.equal(frames[0]!.aim, aim);
      assert.equal(Buffer.from(frames[0]!.bytes).toString('hex'), Buffer.from(payload).toString('hex'));
    },
  );
});
