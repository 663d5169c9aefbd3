// A QoS 1 message the box sends a persistent till again, after the till's connection dropped
// before it acknowledged it, carries the DUP flag (MQTT 3.1.1 section 3.3.1.1, MQTT-3.3.1-1); one
// queued while the till was away and never sent before does not. A till library that logs or counts
// redeliveries reads it there. Real aedes broker with till logins on loopback; the till is mqtt.js,
// watched packet by packet.
import test from 'ava';
import mqtt from 'mqtt';
import { waitUntil } from '../helpers/gateway.ts';
import { publish, SCAN, sessionBroker, sessionTill, TILL } from '../helpers/session-till.ts';

const ID = 'till-1-dup';

test('a scan sent again to a persistent till after its connection dropped unacknowledged carries DUP; one never sent before does not', async (t) => {
  const rig = await sessionBroker(t, {});
  // A till that acknowledges nothing: the scan it hears stays unacknowledged.
  const first = await sessionTill(t, rig.url, ID, { slow: true });
  await first.client.subscribeAsync(SCAN, { qos: 1 });
  await publish(rig.broker, 'sent-once');
  await waitUntil(() => first.scans.includes('sent-once'), 'the first connection heard the scan');
  first.client.end(true); // the connection drops, the PUBACK never sent
  await waitUntil(
    () => rig.broker.sessions().offline.stats().sessions === 1,
    'the broker counts the till away',
  );
  await publish(rig.broker, 'queued-away');

  // Back: every PUBLISH as it came off the wire, its DUP flag with it.
  const heard: [string, boolean][] = [];
  const back = mqtt.connect(rig.url, { ...TILL, clientId: ID, clean: false, reconnectPeriod: 0 });
  back.on('packetreceive', (p) => {
    if (p.cmd === 'publish') heard.push([JSON.parse(p.payload.toString()).text, p.dup]);
  });
  back.on('error', () => {});
  t.teardown(() => back.end(true));
  await waitUntil(() => heard.length >= 2, 'both scans heard again');
  await publish(rig.broker, 'live');
  await waitUntil(() => heard.some(([text]) => text === 'live'), 'the live scan heard');
  t.deepEqual(heard, [
    ['sent-once', true],
    ['queued-away', false],
    ['live', false],
  ]);
});
