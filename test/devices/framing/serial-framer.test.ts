// Serial/CDC framing against the bad-input catalogue, docs/scanners-and-readers.md §8 items 22–25.

import test from 'ava';
import { createManualClock } from '../../../src/devices/framing/manual-clock.ts';
import { createSerialFramer, type SerialFramerOptions } from '../../../src/devices/framing/serial-framer.ts';
import { bytes, collect } from './collect.ts';

// Past the ModemManager window unless a test is about it.
function framer(opts: Omit<SerialFramerOptions, 'clock'> = {}) {
  const clock = createManualClock();
  const out = collect();
  const f = createSerialFramer({ ignoreAtProbeMs: 0, ...opts, clock }, out.sink);
  return { clock, out, f };
}

test('a CR terminator split across reads still ends exactly one scan (item 22)', (t) => {
  const { out, f } = framer({ terminator: 'cr' });
  f.push(bytes('40063'));
  f.push(bytes('81333931'));
  t.deepEqual(out.frames, []);
  f.push(bytes('\r'));
  t.deepEqual(out.seen(), [{ text: '4006381333931', warnings: [] }]);
});

test('a CRLF terminator split between CR and LF frames once, without line ends (item 22)', (t) => {
  const { out, f } = framer({ terminator: 'crlf' });
  f.push(bytes('ABC\r'));
  t.deepEqual(out.frames, []);
  f.push(bytes('\nDEF\r\n'));
  t.deepEqual(out.seen(), [
    { text: 'ABC', warnings: [] },
    { text: 'DEF', warnings: [] },
  ]);
});

test('a CRLF scanner on a CR profile: the LF left in front of the next scan is dropped (item 22)', (t) => {
  const { out, f } = framer({ terminator: 'cr' });
  f.push(bytes('111\r'));
  f.push(bytes('\n222\r\n'));
  f.push(bytes('333\r'));
  t.deepEqual(
    out.frames.map((x) => x.text),
    ['111', '222', '333'],
  );
  t.deepEqual(out.problems, []);
});

test('a CRLF scanner on an LF profile loses the trailing CR', (t) => {
  const { out, f } = framer({ terminator: 'lf' });
  f.push(bytes('4006381333931\r\n'));
  t.deepEqual(out.seen(), [{ text: '4006381333931', warnings: [] }]);
});

test('custom terminators: a hex string and a byte list', (t) => {
  const hex = framer({ terminator: '0x03' });
  hex.f.push(bytes([0x02], 'PAYLOAD', [0x03]));
  t.deepEqual(
    hex.out.frames.map((x) => x.text),
    ['\u0002PAYLOAD'],
  );

  const list = framer({ terminator: [0x1e, '0x04'] });
  list.f.push(bytes('A', [0x1e], 'B', [0x1e, 0x04]));
  t.deepEqual(
    list.out.frames.map((x) => x.text),
    ['A\u001eB'],
  );
});

test('no terminator arrives: the idle timeout ends the scan with timeout_framed (item 22)', (t) => {
  const { clock, out, f } = framer({ terminator: 'cr', idleTimeoutMs: 100 });
  f.push(bytes('4006381'));
  clock.advance(99);
  f.push(bytes('333931'));
  clock.advance(99);
  t.deepEqual(out.frames, [], 'each byte restarts the idle time');
  clock.advance(1);
  t.deepEqual(out.seen(), [{ text: '4006381333931', warnings: ['timeout_framed'] }]);
  t.is(clock.pending(), 0);
});

test('an LF suffix on a CR profile is framed by timeout without the LF', (t) => {
  const { clock, out, f } = framer({ terminator: 'cr' });
  f.push(bytes('ABC\n'));
  clock.advance(100);
  t.deepEqual(out.seen(), [{ text: 'ABC', warnings: ['timeout_framed'] }]);
});

test('terminator none: the idle timeout is the normal end of a scan, no warning', (t) => {
  const { clock, out, f } = framer({ terminator: 'none', idleTimeoutMs: 50 });
  f.push(bytes('AB\rC'));
  clock.advance(50);
  t.deepEqual(out.seen(), [{ text: 'AB\rC', warnings: [] }]);
});

test('garbage longer than maxLength is discarded up to the next terminator, reported once (item 22)', (t) => {
  const { out, f } = framer({ terminator: 'cr', maxLength: 8 });
  f.push(bytes([0xf0, 0x0f, 0xff, 0xe1, 0x3c, 0x99, 0xf0, 0x0f, 0xff]));
  f.push(bytes([0x80, 0x81, 0x82]));
  t.deepEqual(out.problems, ['overlong']);
  f.push(bytes('junk\rOK\r'));
  t.deepEqual(out.seen(), [{ text: 'OK', warnings: [] }]);
  t.deepEqual(out.problems, ['overlong']);
});

test('exactly maxLength bytes plus a two-byte terminator is not overlong', (t) => {
  const { out, f } = framer({ terminator: 'crlf', maxLength: 4 });
  f.push(bytes('ABCD\r'));
  f.push(bytes('\n'));
  t.deepEqual(
    out.frames.map((x) => x.text),
    ['ABCD'],
  );
  t.deepEqual(out.problems, []);
});

test('garbage without any terminator ends at the idle timeout; the next scan is clean', (t) => {
  const { clock, out, f } = framer({ terminator: 'cr', maxLength: 4, idleTimeoutMs: 100 });
  f.push(bytes([0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa]));
  clock.advance(100);
  f.push(bytes('1234\r'));
  t.deepEqual(out.problems, ['overlong']);
  t.deepEqual(
    out.frames.map((x) => x.text),
    ['1234'],
  );
});

// Found by the long property run (seed 259522081): the byte past maxLength was held back as the
// start of a two-byte terminator, and the idle timeout then published all 8 bytes.
test('maxLength bytes plus a terminator start that never completes: overlong at the idle timeout, no frame', (t) => {
  const { clock, out, f } = framer({
    terminator: [0x48, 0x00],
    maxLength: 7,
    idleTimeoutMs: 1,
    aim: 'expected',
  });
  f.push(bytes([0x01, 0, 0, 0, 0, 0, 0, 0x48]));
  clock.advance(1_000);
  t.deepEqual(out.frames, []);
  t.deepEqual(out.problems, ['overlong']);
  t.is(clock.pending(), 0);
});

test('maxLength bytes plus the CR of a CRLF terminator whose LF is lost: framed by timeout, within maxLength', (t) => {
  const { clock, out, f } = framer({ terminator: 'crlf', maxLength: 4 });
  f.push(bytes('ABCD\r'));
  clock.advance(100);
  t.deepEqual(out.seen(), [{ text: 'ABCD', warnings: ['timeout_framed'] }]);
  t.deepEqual(out.problems, []);
});

test('a leading AIM id is split off; an AIM id in the middle stays data (item 23)', (t) => {
  const { out, f } = framer({ aim: 'optional' });
  f.push(bytes(']E0012345678905]E212\r'));
  t.deepEqual(out.seen(), [{ text: '012345678905]E212', aim: ']E0', warnings: [] }]);
  t.deepEqual(Array.from(out.frames[0]!.bytes.subarray(0, 3)), [0x30, 0x31, 0x32], 'bytes carry the payload');
});

test('AIM expected but absent: the scan passes with aim_missing (item 23)', (t) => {
  const { out, f } = framer({ aim: 'expected' });
  f.push(bytes('4006381333931\r]Q1hello\r'));
  t.deepEqual(out.seen(), [
    { text: '4006381333931', warnings: ['aim_missing'] },
    { text: 'hello', aim: ']Q1', warnings: [] },
  ]);
});

test('aim absent: data starting with "]" is never taken for an AIM id', (t) => {
  const { out, f } = framer({ aim: 'absent' });
  f.push(bytes(']Q1x\r'));
  t.deepEqual(out.seen(), [{ text: ']Q1x', warnings: [] }]);
});

test('a CP1252 byte (0xFC) decodes as ü with non_utf8; the same letter in UTF-8 has no warning (item 24)', (t) => {
  const { out, f } = framer();
  f.push(bytes('M', [0xfc], 'ller\r'));
  f.push(bytes('M', [0xc3, 0xbc], 'ller\r'));
  f.push(bytes([0x80], '5\r'));
  t.deepEqual(out.seen(), [
    { text: 'Müller', warnings: ['non_utf8'] },
    { text: 'Müller', warnings: [] },
    { text: '€5', warnings: ['non_utf8'] },
  ]);
  t.deepEqual(Array.from(out.frames[0]!.bytes), [0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72]);
});

test('a UTF-8 BOM is stripped, before or after the AIM id (item 24)', (t) => {
  const { out, f } = framer();
  f.push(bytes([0xef, 0xbb, 0xbf], 'abc\r'));
  f.push(bytes(']Q1', [0xef, 0xbb, 0xbf], 'def\r'));
  t.deepEqual(out.seen(), [
    { text: 'abc', warnings: [] },
    { text: 'def', aim: ']Q1', warnings: [] },
  ]);
  t.deepEqual(Array.from(out.frames[0]!.bytes), [0x61, 0x62, 0x63]);
});

test('NUL bytes inside data are kept; NULs before a scan are line noise (item 24)', (t) => {
  const { clock, out, f } = framer();
  f.push(bytes([0x00, 0x00]));
  t.is(clock.pending(), 0, 'noise alone does not start a frame');
  f.push(bytes([0x00], 'A', [0x00], 'B\r'));
  t.deepEqual(Array.from(out.frames[0]!.bytes), [0x41, 0x00, 0x42]);
  t.deepEqual(out.seen(), [{ text: 'A\u0000B', warnings: ['nul_in_data'] }]);
});

test('ModemManager AT probes right after open are not scans; after the window they are data (item 25)', (t) => {
  const clock = createManualClock();
  const out = collect();
  const f = createSerialFramer({ ignoreAtProbeMs: 5000, clock }, out.sink);
  f.push(bytes('AT\r'));
  f.push(bytes('ATE0\rAT+GCAP\r'));
  f.push(bytes('ATLAS-7\r'));
  t.deepEqual(out.problems, ['modem_probe', 'modem_probe', 'modem_probe']);
  t.deepEqual(
    out.frames.map((x) => x.text),
    ['ATLAS-7'],
  );
  clock.advance(5001);
  f.push(bytes('AT\r'));
  t.deepEqual(
    out.frames.map((x) => x.text),
    ['ATLAS-7', 'AT'],
  );
});

test('reset drops a partial scan; close drops it and ignores later bytes (item 15)', (t) => {
  const { clock, out, f } = framer();
  f.push(bytes('40063'));
  f.reset();
  f.push(bytes('81\r'));
  t.deepEqual(
    out.frames.map((x) => x.text),
    ['81'],
  );
  f.push(bytes('partial'));
  f.close();
  t.is(clock.pending(), 0);
  f.push(bytes('more\r'));
  clock.advance(1000);
  t.is(out.frames.length, 1);
});

test('a sink that throws is reported as a problem and the framer keeps going', (t) => {
  const clock = createManualClock();
  const problems: string[] = [];
  const texts: string[] = [];
  const f = createSerialFramer(
    { ignoreAtProbeMs: 0, clock },
    {
      frame: (fr) => {
        texts.push(fr.text);
        if (fr.text === 'boom') throw new Error('consumer bug');
      },
      problem: (code) => problems.push(code),
    },
  );
  t.notThrows(() => f.push(bytes('boom\rok\r')));
  t.deepEqual(texts, ['boom', 'ok']);
  t.deepEqual(problems, ['sink_error']);
});

test('invalid options are rejected when the framer is built', (t) => {
  const out = collect();
  t.throws(() => createSerialFramer({ terminator: 'semicolon' as 'cr' }, out.sink));
  t.throws(() => createSerialFramer({ maxLength: 0 }, out.sink));
});
