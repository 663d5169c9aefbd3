// State documents for a till that is away (src/mqtt/offline-sessions.ts): its queue holds only the
// newest copy of each retained topic of the registry, in the place of its last publish, and those
// copies neither count towards `max_queued_messages` nor are dropped by it; events are never
// coalesced. A connected till still gets every copy. Real parts: the aedes broker on loopback,
// mqtt.js tills with persistent sessions, state published through the registry's publisher (its
// retain flag and QoS), scans as the scan path publishes them.
import test from 'ava';
import type { Broker } from '../../src/mqtt/broker.ts';
import { createPublisher } from '../../src/mqtt/publish.ts';
import { waitUntil } from '../helpers/gateway.ts';
import {
  publish,
  queueOf,
  type Rig,
  range,
  SCAN,
  sessionBroker,
  sessionTill,
  subscribedAndGone,
} from '../helpers/session-till.ts';

const HEALTH = 'pos/T1/gateway/health';
const AVAILABILITY = 'pos/T1/device/+/availability';
const STATE_AND_SCANS = [SCAN, HEALTH, AVAILABILITY];

/** The registry's publisher on the till base, as the gateway's parts publish state. */
const registry = (broker: Broker) => createPublisher(() => broker, 'pos/T1');

/** Health documents, one after the other, as the health part publishes them on every change. */
async function healths(broker: Broker, ...texts: string[]) {
  const pub = registry(broker);
  for (const text of texts) await pub('health', { text });
}

/**
 * Back with a persistent session: `queued` messages, then a live scan, so that whatever else was
 * queued has arrived too (live deliveries wait until the queue is sent: src/mqtt/replay.ts).
 */
async function backAndHeard(t: any, rig: Rig, clientId: string, queued: number) {
  const back = await sessionTill(t, rig.url, clientId);
  t.true(back.sessionPresent);
  await waitUntil(() => back.heard.length >= queued, 'the queue arrived');
  await publish(rig.broker, 'LIVE');
  await waitUntil(() => back.scans.includes('LIVE'), 'the live scan after the queue arrived');
  return back.heard;
}

test('a till away while health changes 50 times and 3 scans are published gets the 3 scans and only the newest health, in publish order', async (t) => {
  t.timeout(60_000);
  // A cap the healths alone would fill ten times over.
  const rig = await sessionBroker(t, { maxQueued: 5 });
  await subscribedAndGone(t, rig, 'till-1-pos', undefined, STATE_AND_SCANS);
  const device = (id: string, state: 'online' | 'offline') =>
    registry(rig.broker)('deviceAvailability', { state }, { device_id: id });

  await healths(rig.broker, ...range('H', 1, 20));
  await device('scanner-a', 'offline');
  await publish(rig.broker, 'S1');
  await healths(rig.broker, ...range('H', 21, 49));
  await device('scanner-b', 'offline');
  await publish(rig.broker, 'S2');
  await device('scanner-a', 'online');
  await healths(rig.broker, 'H50');
  await publish(rig.broker, 'S3');

  // Three events and three state topics (health, and each device's availability): six, none dropped.
  t.deepEqual(rig.broker.sessions().offline.stats(), { sessions: 1, queued: 6, dropped: 0, expired: 0 });
  t.is(await queueOf(rig.broker, 'till-1-pos'), 6, 'aedes holds one copy of each state topic');
  t.is(rig.logged('mqtt offline queue full: dropping the oldest messages').length, 0);

  t.deepEqual(await backAndHeard(t, rig, 'till-1-pos', 6), [
    'scan S1',
    'device/scanner-b/availability offline',
    'scan S2',
    'device/scanner-a/availability online',
    'gateway/health H50',
    'scan S3',
    'scan LIVE',
  ]);
});

test('a connected till still gets every health change, also unacknowledged, while another till is away', async (t) => {
  t.timeout(60_000);
  const rig = await sessionBroker(t, { maxQueued: 5 });
  await subscribedAndGone(t, rig, 'away-pos', undefined, STATE_AND_SCANS);
  const slow = await sessionTill(t, rig.url, 'slow-pos', { slow: true });
  await slow.client.subscribeAsync(STATE_AND_SCANS, { qos: 1 });

  await healths(rig.broker, ...range('H', 1, 50));
  // aedes keeps a connected session's unacknowledged messages in the same queue: all of them stay.
  t.is(await queueOf(rig.broker, 'slow-pos'), 50);
  t.is(await queueOf(rig.broker, 'away-pos'), 1);
  t.like(rig.broker.sessions().offline.stats(), { sessions: 1, queued: 1, dropped: 0 });

  slow.release();
  await waitUntil(() => slow.heard.length >= 50, 'every health arrived', 30_000);
  t.deepEqual(
    slow.heard,
    range('H', 1, 50).map((h) => `gateway/health ${h}`),
  );
  t.deepEqual(await backAndHeard(t, rig, 'away-pos', 1), ['gateway/health H50', 'scan LIVE']);
});

test('the cap holds with events, and the state document waits beside it: a flood of scans never pushes out the newest health', async (t) => {
  t.timeout(60_000);
  const rig = await sessionBroker(t, { maxQueued: 5 });
  await subscribedAndGone(t, rig, 'till-1-pos', undefined, STATE_AND_SCANS);

  await healths(rig.broker, 'H1');
  await publish(rig.broker, ...range('A', 1, 12));
  t.deepEqual(rig.broker.sessions().offline.stats(), { sessions: 1, queued: 6, dropped: 7, expired: 0 });
  t.is(await queueOf(rig.broker, 'till-1-pos'), 6, 'five events and one health');
  t.is(rig.logged('mqtt offline queue full: dropping the oldest messages').length, 1);

  // Healths coalesce among the events kept; the scans are never coalesced, only capped.
  await healths(rig.broker, 'H2', 'H3');
  await publish(rig.broker, 'A13');
  t.like(rig.broker.sessions().offline.stats(), { queued: 6, dropped: 8 });

  t.deepEqual(await backAndHeard(t, rig, 'till-1-pos', 6), [
    ...range('A', 9, 12).map((a) => `scan ${a}`),
    'gateway/health H3',
    'scan A13',
    'scan LIVE',
  ]);
});

test('a till cut off with healths unacknowledged keeps only the newest copy: the older ones it had, and those since, go', async (t) => {
  t.timeout(60_000);
  const rig = await sessionBroker(t, { maxQueued: 5 });
  const slow = await sessionTill(t, rig.url, 'till-1-pos', { slow: true });
  await slow.client.subscribeAsync(STATE_AND_SCANS, { qos: 1 });
  await healths(rig.broker, 'H1');
  await publish(rig.broker, 'S1');
  await healths(rig.broker, 'H2', 'H3');
  t.is(await queueOf(rig.broker, 'till-1-pos'), 4, 'all sent, none acknowledged');

  slow.client.end(true); // the socket goes without a DISCONNECT, PUBACKs never sent
  await waitUntil(
    () => rig.broker.sessions().offline.stats().sessions === 1,
    'the broker counts the till away',
  );
  await healths(rig.broker, 'H4');
  await waitUntil(
    () => rig.broker.sessions().offline.stats().queued === 2,
    'the queue at the cut-off read and coalesced',
  );
  t.is(await queueOf(rig.broker, 'till-1-pos'), 2);

  // S1 comes again (aedes resends what was not acknowledged), then the one health left.
  t.deepEqual(await backAndHeard(t, rig, 'till-1-pos', 2), ['scan S1', 'gateway/health H4', 'scan LIVE']);
});

test('a till subscribed twice over (its whole base and scan) gets each scan once, as live, and the newest health once', async (t) => {
  t.timeout(60_000);
  const rig = await sessionBroker(t, { maxQueued: 4 });
  await subscribedAndGone(t, rig, 'till-1-pos', undefined, ['pos/T1/#', SCAN]);

  await healths(rig.broker, 'H1');
  await publish(rig.broker, ...range('A', 1, 4));
  await healths(rig.broker, 'H2');
  // One copy of each scan (src/mqtt/one-copy.ts): four events fill the cap of four, none dropped.
  t.deepEqual(rig.broker.sessions().offline.stats(), { sessions: 1, queued: 5, dropped: 0, expired: 0 });
  t.is(await queueOf(rig.broker, 'till-1-pos'), 5);

  t.deepEqual(await backAndHeard(t, rig, 'till-1-pos', 5), [
    'scan A1',
    'scan A2',
    'scan A3',
    'scan A4',
    'gateway/health H2',
    'scan LIVE',
  ]);
});
