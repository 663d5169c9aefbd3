// MQTT over WebSocket from Node (DESIGN §3: browser tills; same logins, ACLs and topics as TCP).
// Real gateway, real aedes, real mqtt.js over ws:// on loopback.
import test from 'ava';
import { DEMO_WS_PORT, settingsSchema, wsPortOf } from '../../src/config/schema.ts';
import { SEED } from '../../src/loyalty/simulator/index.ts';
import { connect, nextMessages, recorder, startTestGateway } from '../helpers/gateway.ts';

const users = {
  'till-a': { password: 'pw-a-correct' },
  'till-b': { password: 'pw-b-correct', till_id: 'B' },
};

test('demo mode serves WebSocket without a setting: the ready line names its port, a till subscribes, test-scans and books', async (t) => {
  t.timeout(30_000);
  const gw = await startTestGateway({ config: { till_id: 'T1' } });
  t.teardown(() => gw.stop());
  const ready = gw.lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'ready');
  t.is(typeof ready.mqtt_ws_port, 'number');
  t.true(ready.mqtt_ws_port > 0);
  t.not(ready.mqtt_ws_port, ready.mqtt_port);
  t.truthy(gw.wsUrl);
  t.false(gw.lines.some((l) => /WebSocket is not available/.test(l)));

  const till = await connect(gw.wsUrl!);
  t.teardown(() => till.endAsync());
  const [state] = await nextMessages(till, 'pos/T1/gateway/state');
  t.deepEqual(state!.payload, { state: 'online' });
  t.true(state!.retain);

  const responses = await recorder(till, 'pos/T1/response/#');
  const scans = await recorder(till, 'pos/T1/scan');
  till.publish(
    'pos/T1/request/gateway/test_scan',
    JSON.stringify({ transaction: 'ws-1', text: 'WS-HELLO' }),
    {
      qos: 1,
    },
  );
  const scanAnswer = await responses.until((m) => m.payload.transaction === 'ws-1');
  t.is(scanAnswer.payload.status, 'ok');
  const scan = await scans.until((m) => m.payload.text === 'WS-HELLO');
  t.is(scan.payload.id, scanAnswer.payload.data.scan_id);

  till.publish(
    'pos/T1/request/loyalty/turnover',
    JSON.stringify({
      transaction: 'ws-2',
      customer_ref: SEED.customers.regular.ref,
      receipt_number: 'R-ws-2',
      amount_cents: 1990,
      currency: 'EUR',
    }),
    { qos: 1 },
  );
  const booked = await responses.until((m) => m.payload.transaction === 'ws-2', 15_000);
  t.is(booked.topic, 'pos/T1/response/loyalty/turnover');
  t.is(booked.payload.status, 'ok');
  t.true(['booked', 'queued'].includes(booked.payload.data.state));
  t.is(responses.messages.filter((m) => m.payload.transaction === 'ws-2').length, 1);
});

test('a provisioned box serves WebSocket on mqtt.ws_port with the same logins as TCP', async (t) => {
  const gw = await startTestGateway({ config: { till_id: 'A', mqtt: { ws_port: 0 } }, users });
  t.teardown(() => gw.stop());
  t.truthy(gw.wsUrl);
  const wrong = await t.throwsAsync(connect(gw.wsUrl!, { username: 'till-a', password: 'nope' }));
  t.regex(wrong!.message, /Bad username or password/i);
  const anon = await t.throwsAsync(connect(gw.wsUrl!));
  t.regex(anon!.message, /Not authorized/i);
  const a = await connect(gw.wsUrl!, { username: 'till-a', password: 'pw-a-correct' });
  t.teardown(() => a.endAsync());
  const [state] = await nextMessages(a, 'pos/A/gateway/state');
  t.deepEqual(state!.payload, { state: 'online' });
});

test("over WebSocket the ACL is the TCP one: till A may not subscribe to B's topics, and B's publish to A closes B", async (t) => {
  const gw = await startTestGateway({ config: { till_id: 'A', mqtt: { ws_port: 0 } }, users });
  t.teardown(() => gw.stop());
  const a = await connect(gw.wsUrl!, { username: 'till-a', password: 'pw-a-correct' });
  t.teardown(() => a.endAsync());
  for (const denied of ['pos/B/#', 'pos/+/scan', '#', 'pos/#']) {
    const err = await t.throwsAsync(a.subscribeAsync(denied, { qos: 1 }), undefined, denied);
    t.regex(err!.message, /Subscribe error/);
  }
  const granted = await a.subscribeAsync('pos/A/#', { qos: 1 });
  t.is(granted[0]!.qos, 1);

  const responses = await recorder(a, 'pos/A/response/#');
  const b = await connect(gw.wsUrl!, { username: 'till-b', password: 'pw-b-correct' });
  const closed = new Promise<void>((resolve) => b.once('close', () => resolve()));
  b.publish('pos/A/request/gateway/test_scan', JSON.stringify({ transaction: 'evil', text: 'X' }), {
    qos: 1,
  });
  await closed;
  // The denied request was never routed: a request of A's own, sent after it, is the only answer.
  a.publish('pos/A/request/gateway/test_scan', JSON.stringify({ transaction: 'own', text: 'Y' }), { qos: 1 });
  await responses.until((m) => m.payload.transaction === 'own');
  t.deepEqual(
    responses.messages.map((m) => m.payload.transaction),
    ['own'],
  );
  b.end(true);
});

test('a TCP till and a WebSocket till of the same box hear the same scan once each', async (t) => {
  const gw = await startTestGateway({ config: { till_id: 'T1' } });
  t.teardown(() => gw.stop());
  const tcp = await connect(gw.url);
  const ws = await connect(gw.wsUrl!);
  t.teardown(() => Promise.all([tcp.endAsync(), ws.endAsync()]));
  const onTcp = await recorder(tcp, 'pos/T1/scan');
  const onWs = await recorder(ws, 'pos/T1/scan');
  const answers = await recorder(tcp, 'pos/T1/response/#');
  tcp.publish('pos/T1/request/gateway/test_scan', JSON.stringify({ transaction: 'both', text: 'BOTH' }), {
    qos: 1,
  });
  await answers.until((m) => m.payload.transaction === 'both');
  await onTcp.until((m) => m.payload.text === 'BOTH');
  await onWs.until((m) => m.payload.text === 'BOTH');
  t.is(onTcp.messages.filter((m) => m.payload.text === 'BOTH').length, 1);
  t.is(onWs.messages.filter((m) => m.payload.text === 'BOTH').length, 1);
});

test('a plain HTTP GET on the WebSocket port is told what the port is for', async (t) => {
  const gw = await startTestGateway({ config: { till_id: 'T1' } });
  t.teardown(() => gw.stop());
  const res = await fetch(gw.wsUrl!.replace('ws://', 'http://'));
  t.is(res.status, 426);
  t.regex(await res.text(), /MQTT over WebSocket/);
});

test('the WebSocket port: on by default in demo mode, off when provisioned unless set, null turns it off', (t) => {
  const parse = (input: object) => settingsSchema().parse(input);
  const user = { username: 'u', password_hash: 'scrypt$16384$8$1$c2FsdA==$aGFzaA==' };
  t.is(wsPortOf(parse({})), DEMO_WS_PORT);
  t.is(wsPortOf(parse({ mqtt: { port: 0 } })), 0);
  t.is(wsPortOf(parse({ mqtt: { ws_port: null } })), null);
  t.is(wsPortOf(parse({ mqtt: { ws_port: 8083 } })), 8083);
  t.is(wsPortOf(parse({ mqtt: { users: [user] } })), null);
  t.is(wsPortOf(parse({ mqtt: { users: [user], ws_port: 9443 } })), 9443);
});
