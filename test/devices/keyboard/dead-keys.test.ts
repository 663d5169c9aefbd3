// German dead keys `^`, `´`, `` ` `` (docs/scanners-and-readers.md §1.5, §8 item 8).
import test from 'ava';
import { givenDecoder } from './helpers/harness.ts';
import { ENTER, LSHIFT, SPACE, tap } from './helpers/reports.ts';

const CIRCUMFLEX = 0x35;
const ACUTE = 0x2e; // Shift: grave
const A = 0x04;
const E = 0x08;

function scanOf(...keys: Uint8Array[][]) {
  const h = givenDecoder({ layout: 'de' });
  h.feed([...keys.flat(), ...tap(ENTER)]);
  return h.frames[0];
}

test('^ + Space is a literal ^ (how a DE scanner types a Track 1 separator)', (t) => {
  const frame = scanOf(tap(CIRCUMFLEX), tap(SPACE));
  t.is(frame?.text, '^');
  t.deepEqual(frame?.warnings, []);
});

test('^ + a is â, ´ + e is é, ` + A is À', (t) => {
  t.is(scanOf(tap(CIRCUMFLEX), tap(A))?.text, 'â');
  t.is(scanOf(tap(ACUTE), tap(E))?.text, 'é');
  t.is(scanOf(tap(ACUTE, LSHIFT), tap(A, LSHIFT))?.text, 'À');
});

test('a dead key before a character it does not combine with keeps both and flags the layout', (t) => {
  const frame = scanOf(tap(ACUTE), tap(0x1f)); // ´ then 2
  t.is(frame?.text, '´2');
  t.is(frame?.digitView, '´2');
  t.deepEqual(frame?.warnings, ['layout_suspect']);
});

test('a dead key at the end of a scan becomes its accent', (t) => {
  const frame = scanOf(tap(0x17), tap(CIRCUMFLEX)); // t then ^
  t.is(frame?.text, 't^');
  t.deepEqual(frame?.warnings, ['layout_suspect']);
});

test('a dead key at the end of a timeout-framed scan becomes its accent too', (t) => {
  const h = givenDecoder({ layout: 'de', suffix: 'none' });
  h.feed([...tap(0x17), ...tap(ACUTE)]);
  h.clock.advance(100);
  t.deepEqual(h.texts(), ['t´']);
});

test('two dead keys in a row: the first becomes its accent, the second composes', (t) => {
  t.is(scanOf(tap(CIRCUMFLEX), tap(ACUTE), tap(E))?.text, '^é');
});

test('a dead key does not leak into the next scan', (t) => {
  const h = givenDecoder({ layout: 'de' });
  h.feed([...tap(CIRCUMFLEX), ...tap(ENTER), ...tap(A), ...tap(ENTER)]);
  t.deepEqual(h.texts(), ['^', 'a']);
});
