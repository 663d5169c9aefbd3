// The duplicate filter's ordered table (src/classify/last-seen.ts) against the ordered Map it
// replaced: the same entries kept, the same times, after any mix of sightings, prunes (clock steps
// back included) and clears, also once the queue has been compacted many times.
import test from 'ava';
import fc from 'fast-check';
import { LastSeen } from '../../src/classify/last-seen.ts';

/** The reference: a Map kept in last-seen order by delete-and-set, pruned from its front. */
class OrderedMap {
  readonly map = new Map<string, number>();
  set(k: string, at: number) {
    this.map.delete(k);
    this.map.set(k, at);
  }
  prune(now: number, windowMs: number) {
    for (const [k, at] of this.map) {
      if (now - at < windowMs) return;
      this.map.delete(k);
    }
  }
}

const entries = (t: LastSeen<string>, keys: string[]) =>
  keys.flatMap((k) => {
    const at = t.get(k);
    return at === undefined ? [] : [[k, at] as const];
  });

test('keeps exactly what an ordered Map pruned from its front keeps, clock steps and clears included', (t) => {
  const keys = ['a', 'b', 'c', 'd', 'e'];
  const run = fc.check(
    fc.property(
      fc.array(
        fc.oneof(
          fc.record({ set: fc.constantFrom(...keys), step: fc.integer({ min: -400, max: 400 }) }),
          fc.record({ prune: fc.constant(true) }),
          fc.record({ clear: fc.constant(true) }),
        ),
        { maxLength: 120 },
      ),
      (ops) => {
        const windowMs = 500;
        let now = 100_000;
        const table = new LastSeen<string>();
        const ref = new OrderedMap();
        for (const op of ops) {
          if ('set' in op) {
            now += op.step;
            table.set(op.set, now);
            ref.set(op.set, now);
          } else if ('prune' in op) {
            table.prune(now, windowMs);
            ref.prune(now, windowMs);
          } else {
            table.clear();
            ref.map.clear();
          }
          const want = keys.flatMap((k) => (ref.map.has(k) ? [[k, ref.map.get(k)] as const] : []));
          if (JSON.stringify(entries(table, keys)) !== JSON.stringify(want)) return false;
          if (table.size !== ref.map.size) return false;
        }
        return true;
      },
    ),
    { numRuns: 500, seed: 42 },
  );
  t.false(run.failed, run.failed ? `counterexample: ${JSON.stringify(run.counterexample)}` : '');
});

test('a long sliding window: entries stay bounded by the window, across many compactions', (t) => {
  const table = new LastSeen<string>();
  const ref = new OrderedMap();
  let wrong = 0;
  for (let now = 0; now < 50_000; now++) {
    // One new code per ms, and a code held under the scanner re-read every 7 ms.
    table.set(`c${now}`, now);
    ref.set(`c${now}`, now);
    if (now % 7 === 0) {
      table.set('held', now);
      ref.set('held', now);
    }
    table.prune(now, 3000);
    ref.prune(now, 3000);
    if (table.size !== ref.map.size || table.get('held') !== ref.map.get('held')) wrong++;
  }
  t.is(wrong, 0);
  t.is(table.size, 3001, 'the 3,000 codes of the last window and the held one');
  t.is(table.get('c46999'), undefined, 'expired');
  t.is(table.get('c47000'), 47_000, 'still inside the window');
});
