// What the embedded broker keeps for a till that is away (src/mqtt/offline-sessions.ts): at most
// `maxQueued` QoS 1 events, the newest (state documents: test/mqtt/offline-state.test.ts), and the session only for `expiryS`. A connected till is
// never capped, however slowly it acknowledges. Real parts: the aedes broker on loopback, mqtt.js
// tills with persistent sessions, messages published as the gateway publishes scans.
import test from 'ava';
import { waitUntil } from '../helpers/gateway.ts';
import {
  DAY_MS,
  OTHER,
  publish,
  queueOf,
  range,
  SCAN,
  sessionBroker,
  sessionTill,
  subscribedAndGone,
} from '../helpers/session-till.ts';

test('a till away gets only the newest max_queued_messages when it is back, the oldest dropped, counted and logged once per absence', async (t) => {
  t.timeout(60_000);
  const rig = await sessionBroker(t, { maxQueued: 5 });
  await subscribedAndGone(t, rig, 'till-1-pos');

  await publish(rig.broker, ...range('A', 1, 12));
  t.deepEqual(rig.broker.sessions().offline.stats(), { sessions: 1, queued: 5, dropped: 7, expired: 0 });
  t.is(await queueOf(rig.broker, 'till-1-pos'), 5, 'aedes holds the cap, no more');
  const full = rig.logged('mqtt offline queue full: dropping the oldest messages');
  t.is(full.length, 1, 'one line for the whole absence');
  t.like(full[0], { level: 'warn', client_id: 'till-1-pos', user: 'till-1', max_queued_messages: 5 });
  t.false(
    rig.lines.some((l) => l.includes('A1')),
    'no payload in the log',
  );

  const back = await sessionTill(t, rig.url, 'till-1-pos');
  t.true(back.sessionPresent);
  await waitUntil(() => back.scans.length >= 5, 'the queued scans arrived');
  await publish(rig.broker, 'LIVE-1');
  await waitUntil(() => back.scans.includes('LIVE-1'), 'the till hears live scans again');
  t.deepEqual(back.scans, [...range('A', 8, 12), 'LIVE-1']);
  t.like(rig.logged('mqtt session back after dropped messages')[0], { client_id: 'till-1-pos', dropped: 7 });

  // A second absence is a new episode: counted on from the total, logged once again.
  await back.client.endAsync();
  await waitUntil(() => rig.broker.sessions().offline.stats().sessions === 1, 'the till is away again');
  await publish(rig.broker, ...range('B', 1, 6));
  t.like(rig.broker.sessions().offline.stats(), { queued: 5, dropped: 8 });
  t.is(rig.logged('mqtt offline queue full: dropping the oldest messages').length, 2);
  const again = await sessionTill(t, rig.url, 'till-1-pos');
  await waitUntil(() => again.scans.length >= 5, 'the second queue arrived');
  await publish(rig.broker, 'LIVE-2');
  await waitUntil(() => again.scans.includes('LIVE-2'), 'live again');
  t.deepEqual(again.scans, [...range('B', 2, 6), 'LIVE-2']);
});

test('a connected till that acknowledges slowly loses nothing: 200 QoS 1 scans unacknowledged at once, all arrive in order', async (t) => {
  t.timeout(60_000);
  const rig = await sessionBroker(t, { maxQueued: 5 });
  const till = await sessionTill(t, rig.url, 'slow-till', { slow: true });
  await till.client.subscribeAsync(SCAN, { qos: 1 });

  await publish(rig.broker, ...range('S', 1, 200));
  // aedes keeps a connected persistent session's unacknowledged messages in the same queue.
  t.is(await queueOf(rig.broker, 'slow-till'), 200, 'all 200 wait for their PUBACK, far beyond the cap');
  t.deepEqual(rig.broker.sessions().offline.stats(), { sessions: 0, queued: 0, dropped: 0, expired: 0 });

  till.release();
  await waitUntil(() => till.scans.length >= 200, 'every scan arrived', 30_000);
  t.deepEqual(till.scans, range('S', 1, 200));
  await waitUntil(() => rig.broker.sessions().offline.stats().queued === 0, 'nothing counted away');
  t.is(rig.logged('mqtt offline queue full: dropping the oldest messages').length, 0);
});

test('a till cut off with more unacknowledged than the cap keeps the newest: the oldest, sent ones included, are dropped', async (t) => {
  t.timeout(60_000);
  const rig = await sessionBroker(t, { maxQueued: 5 });
  const slow = await sessionTill(t, rig.url, 'till-1-pos', { slow: true });
  await slow.client.subscribeAsync(SCAN, { qos: 1 });
  await publish(rig.broker, ...range('U', 1, 20));
  t.is(await queueOf(rig.broker, 'till-1-pos'), 20);

  slow.client.end(true); // the socket goes without a DISCONNECT, PUBACKs never sent
  await waitUntil(
    () => rig.broker.sessions().offline.stats().dropped === 15,
    'the queue trimmed to the cap when it went',
  );
  t.like(rig.broker.sessions().offline.stats(), { sessions: 1, queued: 5 });
  t.is(await queueOf(rig.broker, 'till-1-pos'), 5);

  const back = await sessionTill(t, rig.url, 'till-1-pos');
  await waitUntil(() => back.scans.length >= 5, 'the kept scans arrived');
  await publish(rig.broker, 'LIVE');
  await waitUntil(() => back.scans.includes('LIVE'), 'live again');
  t.deepEqual(back.scans, [...range('U', 16, 20), 'LIVE']);
});

test('a session away longer than session_expiry_s is dropped with its queue on the broker timer; a connected one is kept', async (t) => {
  t.timeout(60_000);
  const rig = await sessionBroker(t, { maxQueued: 100, expiryS: 1 });
  const live = await sessionTill(t, rig.url, 'live-pos', { login: OTHER });
  await live.client.subscribeAsync(SCAN, { qos: 1 });
  await subscribedAndGone(t, rig, 'gone-pos');
  await publish(rig.broker, 'WHILE-AWAY-1', 'WHILE-AWAY-2');

  // The expiry check runs on its own coarse timer: wait for its line, whenever it comes.
  await waitUntil(() => rig.logged('mqtt session expired').length > 0, 'the session expired', 30_000);
  const expired = rig.logged('mqtt session expired');
  t.is(expired.length, 1);
  t.like(expired[0], { client_id: 'gone-pos', user: 'till-1', dropped_messages: 2, session_expiry_s: 1 });
  t.true((expired[0]!.offline_s as number) >= 1);
  t.like(rig.broker.sessions().offline.stats(), { sessions: 0, queued: 0, expired: 1 });
  t.is(await queueOf(rig.broker, 'gone-pos'), 0, 'its queue went with it');

  // Connected through all of it, for longer than the expiry: its session is whole.
  const store = rig.broker.sessions().persistence as {
    subscriptionsByClient(c: { id: string }): Promise<{ topic: string }[]>;
  };
  t.deepEqual(
    (await store.subscriptionsByClient({ id: 'live-pos' })).map((s) => s.topic),
    [SCAN],
  );
  await publish(rig.broker, 'AFTER');
  await waitUntil(() => live.scans.includes('AFTER'), 'the connected till still hears scans');
  t.deepEqual(live.scans, ['WHILE-AWAY-1', 'WHILE-AWAY-2', 'AFTER']);

  // The expired till starts afresh; its client id is free for any login again.
  const other = await sessionTill(t, rig.url, 'gone-pos', { login: OTHER });
  t.false(other.sessionPresent, 'no session left');
  await other.client.subscribeAsync(SCAN, { qos: 1 });
  await publish(rig.broker, 'MARKER');
  await waitUntil(() => other.scans.includes('MARKER'), 'the new session hears the marker');
  t.deepEqual(other.scans, ['MARKER'], 'nothing queued from before');
});

test('expiry counts time away, never time connected, and 0 keeps sessions for good', async (t) => {
  t.timeout(60_000);
  const rig = await sessionBroker(t, { expiryS: 7 * 86400 });
  // Away once and back: from then on its time counts as connected.
  await subscribedAndGone(t, rig, 'live-pos', OTHER);
  const live = await sessionTill(t, rig.url, 'live-pos', { login: OTHER });
  t.true(live.sessionPresent);
  await waitUntil(() => rig.broker.sessions().offline.stats().sessions === 0, 'the till counts as back');
  await subscribedAndGone(t, rig, 'gone-pos');
  const offline = rig.broker.sessions().offline;

  t.deepEqual(await offline.sweep(performance.now() + 6 * DAY_MS), [], 'six days away: kept');
  // Eight days on: only the one away goes, the one connected all along stays.
  t.deepEqual(await offline.sweep(performance.now() + 8 * DAY_MS), ['gone-pos']);
  await live.client.endAsync();
  const back = await sessionTill(t, rig.url, 'live-pos', { login: OTHER });
  t.true(back.sessionPresent, 'the connected till kept its session');

  const never = await sessionBroker(t, { expiryS: 0 });
  await subscribedAndGone(t, never, 'till-1-pos');
  t.deepEqual(await never.broker.sessions().offline.sweep(performance.now() + 365 * DAY_MS), []);
  t.true((await sessionTill(t, never.url, 'till-1-pos')).sessionPresent);
});

test('the count goes with the sessions to a restarted broker, and a lower cap there applies at once', async (t) => {
  t.timeout(60_000);
  const first = await sessionBroker(t, { maxQueued: 5 });
  await subscribedAndGone(t, first, 'till-1-pos');
  await publish(first.broker, 'R1', 'R2', 'R3');
  await first.broker.close();

  const next = await sessionBroker(t, { maxQueued: 2 }, first.broker.sessions());
  t.like(next.broker.sessions().offline.stats(), { sessions: 1, queued: 2, dropped: 1 });
  await publish(next.broker, 'R4', 'R5');
  t.like(next.broker.sessions().offline.stats(), { queued: 2, dropped: 3 });
  // The first drop of this absence came with the lower cap: logged by the broker that has it.
  t.is(next.logged('mqtt offline queue full: dropping the oldest messages').length, 1);
  t.is(first.logged('mqtt offline queue full: dropping the oldest messages').length, 0);

  const back = await sessionTill(t, next.url, 'till-1-pos');
  t.true(back.sessionPresent);
  await waitUntil(() => back.scans.length >= 2, 'the kept scans arrived');
  await publish(next.broker, 'LIVE');
  await waitUntil(() => back.scans.includes('LIVE'), 'live again');
  t.deepEqual(back.scans, ['R4', 'R5', 'LIVE']);
});
