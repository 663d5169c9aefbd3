// Press detection and Shift/CapsLock (docs/scanners-and-readers.md §0 rule 2, §1.2, §8 items 2–4).
import test from 'ava';
import { givenDecoder } from './helpers/harness.ts';
import { CAPS_LOCK, ENTER, LSHIFT, RELEASE, RSHIFT, report, tap } from './helpers/reports.ts';

const A = 0x04;
const B = 0x05;
const C = 0x06;
const ZERO = 0x27;

function scanOf(reports: Uint8Array[], options = {}): string[] {
  const h = givenDecoder(options);
  h.feed([...reports, ...tap(ENTER)]);
  return h.texts();
}

test('Shift pressed in a report of its own before the key still shifts the key', (t) => {
  t.deepEqual(scanOf([report(LSHIFT), report(LSHIFT, A), report(LSHIFT), RELEASE]), ['A']);
});

test('Shift released together with the key still gave an upper-case letter', (t) => {
  // The key appeared while Shift was down; the release report carries neither.
  t.deepEqual(scanOf([report(LSHIFT, A), RELEASE, report(0, B), RELEASE]), ['Ab']);
});

test('modifiers are those of the report in which the key appears', (t) => {
  // Shift arrives only after the key went down: the key was typed unshifted.
  t.deepEqual(scanOf([report(0, A), report(LSHIFT, A), RELEASE]), ['a']);
});

test('RShift shifts like LShift (Honeywell inserts keystrokes with Shift Right)', (t) => {
  t.deepEqual(scanOf([...tap(A, RSHIFT), ...tap(0x1f, RSHIFT), ...tap(A, LSHIFT | RSHIFT)]), ['A@A']);
});

test('the device CapsLock key inverts letter case, Shift+letter becomes lower case, digits stay', (t) => {
  const reports = [...tap(CAPS_LOCK), ...tap(A), ...tap(B, LSHIFT), ...tap(0x1e), ...tap(0x1e, LSHIFT)];
  reports.push(...tap(CAPS_LOCK), ...tap(C));
  t.deepEqual(scanOf(reports), ['Ab1!c']);
});

test('an initial CapsLock state from the options applies until the device toggles it', (t) => {
  t.deepEqual(scanOf([...tap(A), ...tap(CAPS_LOCK), ...tap(A)], { capsLock: true }), ['Aa']);
});

test('CapsLock also inverts umlauts on de', (t) => {
  t.deepEqual(scanOf([...tap(CAPS_LOCK), ...tap(0x34), ...tap(0x2f, LSHIFT)], { layout: 'de' }), ['Äü']);
});

test('the same character twice needs a release in between; a repeated report is no new press', (t) => {
  t.deepEqual(scanOf([...tap(A), ...tap(A), ...tap(ZERO), ...tap(ZERO)]), ['aa00']);
  t.deepEqual(scanOf([report(0, A), report(0, A), report(0, A), RELEASE]), ['a']);
  t.deepEqual(scanOf([report(0, ZERO), report(0, ZERO), RELEASE, report(0, ZERO), RELEASE]), ['00']);
});

test('two new keys in one report come out in array order', (t) => {
  t.deepEqual(scanOf([report(0, A, B), RELEASE]), ['ab']);
  t.deepEqual(scanOf([report(0, B, A), RELEASE]), ['ba']);
});

test('a key that stays pressed while the next one arrives is not typed again', (t) => {
  t.deepEqual(scanOf([report(0, A), report(0, A, B), report(0, B), report(0, B, C), RELEASE]), ['abc']);
});

test('the same usage listed twice in one report is one press', (t) => {
  t.deepEqual(scanOf([report(0, A, A), RELEASE]), ['a']);
});

test('modifier usages in the key array act as modifier bits', (t) => {
  t.deepEqual(scanOf([report(0, 0xe1), report(0, 0xe1, A), RELEASE]), ['A']);
});

test('unmapped keys (F1) produce no character and flag the scan', (t) => {
  const h = givenDecoder();
  h.feed([...tap(A), ...tap(0x3a), ...tap(B), ...tap(ENTER)]);
  t.deepEqual(h.texts(), ['ab']);
  t.deepEqual(h.frames[0]?.warnings, ['unmapped_key']);
});
