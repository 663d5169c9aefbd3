// Same-device duplicate window (docs/scanners-and-readers.md §6.6 dedupeWindowMs, §8 item 26 "same
// QR scanned twice").
import test from 'ava';
import fc from 'fast-check';
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

const prefilters: Array<[string, ((device: string, code: string) => number) | undefined]> = [
  ['the real prefilter', undefined],
  ['a prefilter where everything collides', () => 0],
  ['a prefilter where codes of one length collide', (_device, code) => code.length],
];
for (const [name, quick] of prefilters)
  test(`deferred digests change no verdict (${name}): the same answers as digesting every scan at once, clock steps included`, (t) => {
    // The reference is the filter as it was before its digests were deferred: every scan looked up
    // and recorded at once, in last-seen order, expired entries pruned from the front.
    const run = fc.check(
      fc.property(
        fc.array(
          fc.record({
            device: fc.constantFrom('d1', 'd2'),
            code: fc.constantFrom('a', 'b', 'c', 'HA-MFRGGZDF', 'HA-MFRGGZDG'),
            step: fc.oneof(fc.integer({ min: 0, max: 500 }), fc.integer({ min: -3000, max: 3000 })),
            settle: fc.boolean(),
          }),
          { maxLength: 80 },
        ),
        (scans) => {
          const windowMs = 800;
          let now = 1_000_000;
          const filter = createDuplicateFilter({ windowMs, now: () => now, quick });
          const seen = new Map<string, number>();
          for (const { device, code, step, settle } of scans) {
            now += step;
            for (const [k, last] of seen) {
              if (now - last < windowMs) break;
              seen.delete(k);
            }
            const k = `${device}\u0000${code}`;
            const last = seen.get(k);
            seen.delete(k);
            seen.set(k, now);
            const expected = last !== undefined && now - last < windowMs;
            if (filter.isDuplicate(device, code) !== expected) return false;
            if (settle) filter.settle();
          }
          return filter.size() === seen.size;
        },
      ),
      { numRuns: 2000 },
    );
    t.is(run.failed, false, run.counterexample ? JSON.stringify(run.counterexample) : '');
    t.is(run.numRuns, 2000);
  });
