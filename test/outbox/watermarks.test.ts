// Ops alarms from the outbox figures (DESIGN §5 watermarks, §8 events).
import test from 'ava';
import { evaluateWatermarks } from '../../src/outbox/watermarks.ts';

const marks = { depthWarn: 1000, ageWarnS: 3600 };

test('a healthy outbox raises no alarm', (t) => {
  t.deepEqual(evaluateWatermarks({ depth: 999, oldestAgeS: 3599, dead: 0 }, marks), []);
});

test('depth, age and dead letters at their watermarks raise one alarm each', (t) => {
  const alarms = evaluateWatermarks({ depth: 1000, oldestAgeS: 3600, dead: 2 }, marks);
  t.deepEqual(
    alarms.map((a) => [a.code, a.value, a.threshold]),
    [
      ['outbox_depth_high', 1000, 1000],
      ['outbox_age_high', 3600, 3600],
      ['outbox_dead_letters', 2, 1],
    ],
  );
});

test('a full outbox is critical instead of merely deep', (t) => {
  const alarms = evaluateWatermarks({ depth: 5000, oldestAgeS: 0, dead: 0, maxDepth: 5000 }, marks);
  t.like(alarms, [{ code: 'outbox_full', severity: 'critical' }]);
  t.is(alarms.length, 1);
});

test('garbage figures and zero thresholds raise nothing and do not throw', (t) => {
  const figures = { depth: Number.NaN, oldestAgeS: -1, dead: 'x' as unknown as number };
  t.deepEqual(evaluateWatermarks(figures, marks), []);
  t.deepEqual(
    evaluateWatermarks({ depth: 5, oldestAgeS: 5, dead: 5 }, { depthWarn: 0, ageWarnS: 0, deadWarn: 0 }),
    [],
  );
});
