// Same-device duplicate window (docs/scanners-and-readers.md §6.6 dedupeWindowMs, §8 item 26 "same
// QR scanned twice").
import test from 'ava';
import { createDuplicateFilter } from '../../src/classify/index.ts';

function givenFilter(windowMs = 800) {
  let now = 1_000_000;
  const filter = createDuplicateFilter({ windowMs, now: () => now });
  return { filter, advance: (ms: number) => (now += ms) };
}

test('the same code from the same device within the window is a duplicate', (t) => {
  const { filter, advance } = givenFilter();
  t.false(filter.isDuplicate('scanner-1', 'HA-MFRGGZDF'));
  advance(300);
  t.true(filter.isDuplicate('scanner-1', 'HA-MFRGGZDF'));
});

test('another device, or another code, is not a duplicate', (t) => {
  const { filter } = givenFilter();
  t.false(filter.isDuplicate('scanner-1', 'HA-MFRGGZDF'));
  t.false(filter.isDuplicate('scanner-2', 'HA-MFRGGZDF'));
  t.false(filter.isDuplicate('scanner-1', 'HA-MFRGGZDG'));
  t.true(filter.isDuplicate('scanner-1', 'HA-MFRGGZDF'));
});

test('after the window has passed the code counts again', (t) => {
  const { filter, advance } = givenFilter();
  filter.isDuplicate('scanner-1', '4006381333931');
  advance(800);
  t.false(filter.isDuplicate('scanner-1', '4006381333931'));
});

test('a code held under the scanner stays suppressed: the window slides with each read', (t) => {
  const { filter, advance } = givenFilter();
  t.false(filter.isDuplicate('scanner-1', 'HA-MFRGGZDF'));
  for (let read = 0; read < 5; read++) {
    advance(500);
    t.true(filter.isDuplicate('scanner-1', 'HA-MFRGGZDF'));
  }
  advance(800);
  t.false(filter.isDuplicate('scanner-1', 'HA-MFRGGZDF'));
});

test('codes older than the window are forgotten', (t) => {
  const { filter, advance } = givenFilter();
  filter.isDuplicate('scanner-1', 'a');
  filter.isDuplicate('scanner-2', 'b');
  t.is(filter.size(), 2);
  advance(1000);
  filter.isDuplicate('scanner-3', 'c');
  t.is(filter.size(), 1);
});

test('two filters do not share keys: the same code hashes differently', (t) => {
  const one = givenFilter();
  const other = givenFilter();
  t.false(one.filter.isDuplicate('d', 'x'));
  t.false(other.filter.isDuplicate('d', 'x'));
  t.true(one.filter.isDuplicate('d', 'x'));
});

test('a zero window never suppresses', (t) => {
  const { filter } = givenFilter(0);
  t.false(filter.isDuplicate('scanner-1', 'x'));
  t.false(filter.isDuplicate('scanner-1', 'x'));
});

test('many devices and codes in a busy window: the same verdicts as the definition', (t) => {
  // The definition: a duplicate is the same (device, code) seen less than the window ago.
  const windowMs = 800;
  let now = 1_000_000;
  const filter = createDuplicateFilter({ windowMs, now: () => now });
  const lastSeen = new Map<string, number>();
  let x = 12345; // a fixed LCG: the same sequence every run
  const next = (n: number) => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x % n;
  };
  const wrong: string[] = [];
  for (let step = 0; step < 5000; step++) {
    now += next(120);
    const device = `d${next(3)}`;
    const code = `c${next(25)}`;
    const k = `${device}/${code}`;
    const last = lastSeen.get(k);
    lastSeen.set(k, now);
    if (filter.isDuplicate(device, code) !== (last !== undefined && now - last < windowMs))
      wrong.push(`${step} ${k}`);
  }
  t.deepEqual(wrong, []);
  // Memory stays bounded by what one window holds, not by everything ever scanned.
  t.true(filter.size() <= 75);
});

test('after the clock steps back, an expired code behind a fresh one still counts again', (t) => {
  const { filter, advance } = givenFilter(800);
  filter.isDuplicate('scanner-1', 'before-the-step');
  advance(-5000); // NTP steps the clock back
  filter.isDuplicate('scanner-1', 'a');
  advance(900);
  // 'a' is 900 ms old; the entry in front of it is in the "future" and stops the pruning early.
  t.false(filter.isDuplicate('scanner-1', 'a'));
  t.true(filter.isDuplicate('scanner-1', 'a'));
});
