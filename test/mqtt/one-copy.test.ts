// One queued copy per client (src/mqtt/one-copy.ts): whatever subscriptions match a message, each
// client id is left once, in the place it first appeared, with the highest QoS of its matches, and
// every other client's entry as it was. Checked against a plain Map over random match lists, short
// (the pairwise look) and long (the Map).
import test from 'ava';
import fc from 'fast-check';
import { onePerClient } from '../../src/mqtt/one-copy.ts';

interface Sub {
  clientId: string;
  topic: string;
  qos: number;
}

const sub = fc.record({
  clientId: fc.constantFrom('till-1', 'till-2', 'till-3', 'ops', 'laptop'),
  topic: fc.constantFrom('pos/T1/#', 'pos/T1/scan', 'pos/T1/+'),
  qos: fc.constantFrom(0, 1),
});

/** The reference: a Map from client id to its first entry, replaced by a later one of higher QoS. */
function reference(subs: Sub[]): Sub[] {
  const kept = new Map<string, Sub>();
  for (const s of subs) {
    const k = kept.get(s.clientId);
    if (k === undefined || s.qos > k.qos) kept.set(s.clientId, s);
  }
  return [...kept.values()];
}

test('each client id is left once, first place, highest QoS; a list without repeats comes back as it was', (t) => {
  const run = fc.check(
    fc.property(fc.array(sub, { maxLength: 40, size: 'max' }), (subs) => {
      const got = onePerClient(subs);
      const want = reference(subs);
      if (new Set(subs.map((s) => s.clientId)).size === subs.length && got !== subs) return false;
      return got.length === want.length && got.every((s, i) => s === want[i]);
    }),
    { numRuns: 5000 },
  );
  t.false(run.failed, run.counterexample ? JSON.stringify(run.counterexample) : '');
  t.is(run.numRuns, 5000);
});
