// The fleet model: what ops see per till, from the messages the boxes publish.
import test from 'ava';
import { createFleetModel } from '../../src/fleet/model.ts';
import type { UplinkHealth } from '../../src/mqtt/topics.ts';
import { boxHealth } from '../helpers/box-health.ts';

const T0 = Date.parse('2026-03-01T10:00:00.000Z');

function health(
  ts: number,
  patch: Partial<UplinkHealth['outbox']> = {},
  cloud: 'up' | 'down' = 'up',
): string {
  const h: UplinkHealth = {
    ts: new Date(ts).toISOString(),
    version: '1.2.3',
    interval_s: 60,
    ...boxHealth({
      at: ts,
      cloud: { state: cloud },
      outbox: patch,
      devices: [
        { id: 'a', profile: 'x', transport: 'serial', state: 'online' },
        { id: 'b', profile: 'x', transport: 'hid-pos', state: 'offline' },
      ],
    }),
  };
  return JSON.stringify(h);
}
const online = JSON.stringify({ state: 'online' });
const offline = JSON.stringify({ state: 'offline' });

test('retained state and health make one row per till with backlog, cloud, devices and version', (t) => {
  const m = createFleetModel({ prefix: 'edge' });
  m.apply('edge/B1/T1/state', online, true, T0);
  m.apply('edge/B1/T1/health', health(T0 - 30_000, { depth: 5, oldest_age_s: 120 }, 'down'), true, T0);
  m.apply('edge/B2/T9/state', offline, true, T0);
  m.apply('pos/T1/scan', '{}', false, T0); // not the fleet's
  const rows = m.rows({}, T0);
  t.deepEqual(
    rows.map((r) => [r.branch, r.till, r.state]),
    [
      ['B1', 'T1', 'online'],
      ['B2', 'T9', 'offline'],
    ],
  );
  t.like(rows[0], {
    stale: false,
    version: '1.2.3',
    cloud: 'down',
    backlog: { depth: 5, oldest_age_s: 120, dead: 0 },
    devices: { online: 1, total: 2 },
    last_seen: new Date(T0 - 30_000).toISOString(),
  });
  t.like(rows[1], { backlog: null, last_seen: null });
  t.like(m.summary(T0), { tills: 2, branches: 2, online: 1, offline: 1, backlog: 5 });
});

test('the Last Will turns a till offline; a health that stops coming makes it stale', (t) => {
  const m = createFleetModel({ prefix: 'edge' });
  m.apply('edge/B1/T1/state', online, false, T0);
  m.apply('edge/B1/T1/health', health(T0), false, T0);
  t.false(m.rows({}, T0 + 149_000)[0]!.stale);
  t.true(m.rows({}, T0 + 151_000)[0]!.stale, 'no health for more than 2.5 intervals');
  t.deepEqual(m.rows({ state: 'stale' }, T0 + 151_000).length, 1);
  m.apply('edge/B1/T1/state', offline, false, T0 + 160_000);
  const r = m.rows({}, T0 + 161_000)[0]!;
  t.like(r, { state: 'offline', stale: false, last_seen: new Date(T0 + 160_000).toISOString() });
});

test('events raise and clear alarms; an empty retained state forgets a till; garbage is counted', (t) => {
  const m = createFleetModel({ prefix: 'edge' });
  m.apply('edge/B1/T1/state', online, true, T0);
  const ev = (state: string, subject?: string) =>
    JSON.stringify({
      id: 'x',
      ts: 'y',
      code: 'device_lost',
      state,
      severity: 'warning',
      message: 'm',
      subject,
    });
  m.apply('edge/B1/T1/events', ev('raised', 'a'), false, T0);
  m.apply('edge/B1/T1/events', ev('raised', 'b'), false, T0);
  t.deepEqual(m.rows({ state: 'alarm' }, T0)[0]!.alarms, ['device_lost']);
  m.apply('edge/B1/T1/events', ev('cleared', 'a'), false, T0);
  t.is(m.rows({ state: 'alarm' }, T0).length, 1);
  m.apply('edge/B1/T1/events', ev('cleared', 'b'), false, T0);
  t.is(m.rows({ state: 'alarm' }, T0).length, 0);
  m.apply('edge/B1/T1/health', 'not json', true, T0);
  m.apply('edge/B1/T1/state', '{"state":"maybe"}', true, T0);
  t.is(m.summary(T0).invalid_messages, 2);
  m.apply('edge/B1/T1/state', '', true, T0);
  t.is(m.size, 0);
});

test('rows filter by branch and state and sort by backlog, age or state', (t) => {
  const m = createFleetModel({ prefix: 'edge' });
  const add = (b: string, tl: string, depth: number, age: number, up = true) => {
    m.apply(`edge/${b}/${tl}/state`, up ? online : offline, true, T0);
    m.apply(`edge/${b}/${tl}/health`, health(T0, { depth, oldest_age_s: age }), true, T0);
  };
  add('B1', 'T1', 3, 10);
  add('B1', 'T2', 9, 5);
  add('B2', 'T1', 0, 0, false);
  add('B3', 'T1', 1, 99);
  const names = (q: Parameters<typeof m.rows>[0]) => m.rows(q, T0).map((r) => `${r.branch}/${r.till}`);
  t.deepEqual(names({}), ['B1/T1', 'B1/T2', 'B2/T1', 'B3/T1']);
  t.deepEqual(names({ sort: 'backlog' }), ['B1/T2', 'B1/T1', 'B3/T1', 'B2/T1']);
  t.deepEqual(names({ sort: 'age' }), ['B3/T1', 'B1/T1', 'B1/T2', 'B2/T1']);
  t.deepEqual(names({ sort: 'state' }), ['B2/T1', 'B1/T1', 'B1/T2', 'B3/T1']);
  t.deepEqual(names({ branches: ['B1', 'B3'], state: 'online' }), ['B1/T1', 'B1/T2', 'B3/T1']);
  t.deepEqual(names({ state: 'offline' }), ['B2/T1']);
});

test('a till that stops its heartbeats is shown offline (silent) after two, and online when it speaks again', (t) => {
  const m = createFleetModel({ prefix: 'edge' });
  const beating = JSON.stringify({ state: 'online', heartbeat_s: 5 });
  m.apply('edge/B1/T1/state', beating, false, T0);
  m.apply('edge/B1/T2/state', online, false, T0); // an older box: no heartbeats, never judged by them
  for (let s = 5; s <= 30; s += 5) m.apply('edge/B1/T1/heartbeat', `{"seq":${s / 5}}`, false, T0 + s * 1000);
  t.is(m.tick(T0 + 40_000), 0);
  t.like(m.rows({}, T0 + 40_000)[0], { state: 'online', silent: false });
  const before = m.version;
  // Last heartbeat at +30 s: silent once more than 2 × 5 s passed.
  t.is(m.tick(T0 + 41_000), 1);
  t.true(m.version > before, 'going silent is a change');
  t.is(m.tick(T0 + 42_000), 0, 'counted once');
  t.like(m.rows({}, T0 + 42_000)[0], { state: 'offline', silent: true, stale: false });
  t.like(m.rows({}, T0 + 42_000)[1], { state: 'online', silent: false });
  t.like(m.summary(T0 + 42_000), { online: 1, offline: 1, silent: 1 });
  t.deepEqual(
    m.rows({ state: 'offline' }, T0 + 42_000).map((r) => r.till),
    ['T1'],
  );
  t.deepEqual(
    m.rows({ state: 'silent' }, T0 + 42_000).map((r) => r.till),
    ['T1'],
  );
  // SIGCONT: the next heartbeat brings it back at once.
  m.apply('edge/B1/T1/heartbeat', '{"seq":7}', false, T0 + 43_000);
  t.like(m.rows({}, T0 + 43_000)[0], { state: 'online', silent: false });
  // Silent again, then the broker's Last Will: offline as reported, no longer "silent".
  t.is(m.tick(T0 + 54_000), 1);
  m.apply('edge/B1/T1/state', offline, false, T0 + 58_000);
  t.like(m.rows({}, T0 + 60_000)[0], { state: 'offline', silent: false });
  t.like(m.summary(T0 + 60_000), { online: 1, offline: 1, silent: 0 });
  // Any live message counts as a sign of life; garbage heartbeats are counted, not trusted.
  m.apply('edge/B1/T1/state', beating, false, T0 + 70_000);
  m.apply('edge/B1/T1/heartbeat', 'nope', false, T0 + 79_000);
  m.apply('edge/B1/T1/health', health(T0 + 79_000), false, T0 + 79_000);
  t.false(m.rows({}, T0 + 88_000)[0]!.silent);
  t.is(m.summary(T0 + 88_000).invalid_messages, 1);
});

test('silence is judged once the view has heard a heartbeat, from its last message, and not while the view is cut off', (t) => {
  const m = createFleetModel({ prefix: 'edge' });
  const beating = JSON.stringify({ state: 'online', heartbeat_s: 5 });
  // A view started now: the retained state is old, the box may be fine.
  m.apply('edge/B1/T1/state', beating, true, T0);
  // A box whose heartbeats the broker drops (its ACL lacks the topic) is never called silent.
  m.apply('edge/B1/T2/state', beating, true, T0);
  m.apply('edge/B1/T1/heartbeat', '{"seq":4}', false, T0 + 1000);
  t.false(m.rows({}, T0 + 11_000)[0]!.silent);
  t.true(m.rows({}, T0 + 11_001)[0]!.silent);
  t.false(m.rows({}, T0 + 60_000)[1]!.silent);
  // The view's own link drops: nobody is silent, and the count starts again on its return.
  m.link(false, T0 + 12_000);
  t.false(m.rows({}, T0 + 30_000)[0]!.silent);
  t.is(m.summary(T0 + 30_000).silent, 0);
  m.link(true, T0 + 30_000);
  t.false(m.rows({}, T0 + 40_000)[0]!.silent);
  t.true(m.rows({}, T0 + 40_001)[0]!.silent);
});
