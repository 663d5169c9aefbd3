// When the box acknowledges a till's QoS 1 request (src/mqtt/acks.ts): after the answer, and after
// the till's own PUBACK of the answer when it subscribed at QoS 1 — so that a till with Nagle on is
// not held back by the box's delayed ACK (issue 7 item 5). Real aedes and real mqtt.js on loopback;
// the order is read from mqtt.js's own packet events, never from timing.
import { createConnection } from 'node:net';
import test from 'ava';
import type { MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { type Broker, startBroker } from '../../src/mqtt/broker.ts';
import { collectingLogger, connect, recorder, startTestGateway } from '../helpers/gateway.ts';

const BASE = 'pos/T1';

/** A broker whose request handler answers every request on its response topic. */
async function answeringBroker(t: any, answerAckWaitMs: number): Promise<Broker> {
  const broker = await startBroker({
    host: '127.0.0.1',
    port: 0,
    wsPort: null,
    prefix: 'pos',
    tillId: 'T1',
    users: [],
    demo: true,
    logger: collectingLogger().logger,
    answerAckWaitMs,
  });
  t.teardown(() => broker.close());
  await broker.subscribe(`${BASE}/request/#`, async (topic, payload) => {
    const op = topic.slice(`${BASE}/request/`.length);
    await broker.publish(`${BASE}/response/${op}`, { echo: payload.toString() }, { retain: false, qos: 1 });
  });
  return broker;
}

/** What the till's client sent and received, in order, from mqtt.js's packet events. */
function wire(client: MqttClient): string[] {
  const log: string[] = [];
  client.on('packetsend', (p: any) => {
    if (p.cmd === 'publish' || p.cmd === 'puback') log.push(`send ${p.cmd}${p.topic ? ` ${p.topic}` : ''}`);
  });
  client.on('packetreceive', (p: any) => {
    if (p.cmd === 'publish' || p.cmd === 'puback') log.push(`recv ${p.cmd}${p.topic ? ` ${p.topic}` : ''}`);
  });
  return log;
}

test('subscribed to answers at QoS 1: the box acknowledges the request after the till acknowledged the answer', async (t) => {
  // A wait far longer than any test: the box's PUBACK can only have been triggered by the till's.
  const broker = await answeringBroker(t, 60_000);
  const till = await connect(`mqtt://127.0.0.1:${broker.port}`);
  t.teardown(() => till.endAsync());
  await till.subscribeAsync(`${BASE}/response/#`, { qos: 1 });
  const log = wire(till);
  await till.publishAsync(`${BASE}/request/gateway/test_scan`, 'x', { qos: 1 });
  t.deepEqual(log, [
    `send publish ${BASE}/request/gateway/test_scan`,
    `recv publish ${BASE}/response/gateway/test_scan`,
    'send puback',
    'recv puback',
  ]);
});

test('subscribed to answers at QoS 0: the PUBACK follows the answer', async (t) => {
  const broker = await answeringBroker(t, 60_000);
  const till = await connect(`mqtt://127.0.0.1:${broker.port}`);
  t.teardown(() => till.endAsync());
  await till.subscribeAsync(`${BASE}/#`, { qos: 0 });
  const log = wire(till);
  await till.publishAsync(`${BASE}/request/gateway/test_scan`, 'x', { qos: 1 });
  t.deepEqual(
    log.filter((l) => !l.includes('/request/') || l.startsWith('send')),
    [
      `send publish ${BASE}/request/gateway/test_scan`,
      `recv publish ${BASE}/response/gateway/test_scan`,
      'recv puback',
    ],
  );
});

test('subscribed to both, at QoS 0 and 1: the PUBACK follows the answer without waiting for an ack that may not come', async (t) => {
  const broker = await answeringBroker(t, 60_000);
  const till = await connect(`mqtt://127.0.0.1:${broker.port}`);
  t.teardown(() => till.endAsync());
  await till.subscribeAsync(`${BASE}/#`, { qos: 0 });
  await till.subscribeAsync(`${BASE}/response/#`, { qos: 1 });
  const log = wire(till);
  await till.publishAsync(`${BASE}/request/gateway/test_scan`, 'x', { qos: 1 });
  t.is(log.filter((l) => l === `recv publish ${BASE}/response/gateway/test_scan`).length, 1);
  t.is(log.at(-1), 'recv puback');
});

test('not subscribed to answers: a QoS 1 request is still acknowledged', async (t) => {
  const broker = await answeringBroker(t, 60_000);
  const till = await connect(`mqtt://127.0.0.1:${broker.port}`);
  t.teardown(() => till.endAsync());
  const log = wire(till);
  await till.publishAsync(`${BASE}/request/gateway/test_scan`, 'x', { qos: 1 });
  t.deepEqual(log, [`send publish ${BASE}/request/gateway/test_scan`, 'recv puback']);
});

/**
 * A raw MQTT 3.1.1 till that never sends a PUBACK itself: connected, subscribed to answers at QoS 1,
 * and one QoS 1 request sent. `received` lists what the box sent, in order.
 */
async function rawTillWithRequest(t: any, broker: Broker) {
  const socket = createConnection({ host: '127.0.0.1', port: broker.port });
  t.teardown(() => socket.destroy());
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const received: string[] = [];
  const next = (cmd: string) =>
    new Promise<void>((resolve) => {
      const on = (p: mqttPacket.Packet) => {
        received.push(p.cmd === 'publish' ? `publish ${p.topic}` : p.cmd);
        if (p.cmd === cmd) {
          parser.off('packet', on);
          resolve();
        }
      };
      parser.on('packet', on);
    });
  socket.on('data', (d) => parser.parse(d));
  const send = (p: mqttPacket.Packet) => socket.write(mqttPacket.generate(p));
  send({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    clientId: 'raw',
    keepalive: 30,
  });
  await next('connack');
  send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: `${BASE}/response/#`, qos: 1 }] });
  await next('suback');
  send({
    cmd: 'publish',
    topic: `${BASE}/request/gateway/test_scan`,
    payload: 'x',
    qos: 1,
    messageId: 2,
    retain: false,
    dup: false,
  });
  return { socket, received, next, send };
}

test('a till that never acknowledges the answer gets its PUBACK after the short wait', async (t) => {
  const broker = await answeringBroker(t, 30);
  const { received, next } = await rawTillWithRequest(t, broker);
  await next('puback');
  t.deepEqual(received, ['connack', 'suback', `publish ${BASE}/response/gateway/test_scan`, 'puback']);
});

test('a broker that closes while a PUBACK waits for the till sends it first: no answered request is left unacknowledged', async (t) => {
  const broker = await answeringBroker(t, 60_000);
  const { socket, received, next, send } = await rawTillWithRequest(t, broker);
  await next('publish');
  // A barrier, not a wait: by the time the box answers a later ping, it has marked the request
  // answered (its PUBACK now waits for the till's, which never comes).
  const pong = next('pingresp');
  send({ cmd: 'pingreq' });
  await pong;
  received.pop();
  const closedWhileWaiting = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const acked = next('puback');
  await broker.close();
  await acked;
  await closedWhileWaiting;
  t.deepEqual(received, ['connack', 'suback', `publish ${BASE}/response/gateway/test_scan`, 'puback']);
});

test('through the gateway: a till that awaits the PUBACK of a turnover has its answer by then, over TCP and WebSocket', async (t) => {
  t.timeout(30_000);
  const gw = await startTestGateway({ config: { till_id: 'T1' } });
  t.teardown(() => gw.stop());
  for (const url of [gw.url, gw.wsUrl!]) {
    const till = await connect(url);
    const answers = await recorder(till, `${BASE}/response/#`);
    const tx = `acked-${url.slice(0, 2)}`;
    await till.publishAsync(
      `${BASE}/request/loyalty/turnover`,
      JSON.stringify({
        transaction: tx,
        customer_ref: 'C-1001',
        receipt_number: tx,
        amount_cents: 500,
        currency: 'EUR',
      }),
      { qos: 1 },
    );
    t.deepEqual(
      answers.messages.map((m) => m.payload.transaction),
      [tx],
      url,
    );
    t.is(answers.messages[0]!.payload.status, 'ok');
    await till.endAsync();
  }
});
