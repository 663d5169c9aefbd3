// A till subscribed twice over to the same scans (its whole base and the scan topic, which MQTT
// allows and mosquitto_sub users do) hears each scan once live; what waits for it while it is away
// must be one copy too (src/mqtt/one-copy.ts). Real parts: the aedes broker on loopback, mqtt.js
// tills with a persistent session.
import test from 'ava';
import { waitUntil } from '../helpers/gateway.ts';
import {
  publish,
  queueOf,
  range,
  SCAN,
  sessionBroker,
  sessionTill,
  subscribedAndGone,
} from '../helpers/session-till.ts';

const BOTH = ['pos/T1/#', SCAN];

test('a till subscribed twice over that was away gets each queued scan once', async (t) => {
  t.timeout(60_000);
  const rig = await sessionBroker(t, { maxQueued: 100 });
  await subscribedAndGone(t, rig, 'till-1-pos', undefined, BOTH);
  await publish(rig.broker, ...range('A', 1, 4));
  t.is(await queueOf(rig.broker, 'till-1-pos'), 4);

  const back = await sessionTill(t, rig.url, 'till-1-pos');
  t.true(back.sessionPresent);
  await waitUntil(() => back.scans.length >= 4, 'the queue arrived');
  await publish(rig.broker, 'LIVE');
  await waitUntil(() => back.scans.includes('LIVE'), 'the live scan after the queue');
  t.deepEqual(back.scans, ['A1', 'A2', 'A3', 'A4', 'LIVE']);
});
