import test from 'ava';
import {
  connect,
  nextMessages,
  recorder,
  settled,
  startTestGateway,
  withoutBarriers,
} from '../helpers/gateway.ts';

const users = {
  'till-a': { password: 'pw-a-correct' },
  'till-b': { password: 'pw-b-correct', till_id: 'B' },
};

test('an authenticated till gets gateway/state online retained and gateway/info without secrets', async (t) => {
  const gw = await startTestGateway({
    config: { till_id: 'A', branch_id: 'shop1', provider: { api_key: 'sk-live-abcdef' } },
    users,
  });
  t.teardown(() => gw.stop());
  const client = await connect(gw.url, { username: 'till-a', password: 'pw-a-correct' });
  t.teardown(() => client.endAsync());
  const [state] = await nextMessages(client, 'pos/A/gateway/state');
  t.deepEqual(state!.payload, { state: 'online' });
  t.true(state!.retain);
  const [info] = await nextMessages(client, 'pos/A/gateway/info');
  t.true(info!.retain);
  t.is(info!.payload.till_id, 'A');
  t.is(info!.payload.branch_id, 'shop1');
  t.is(info!.payload.api_version, 1);
  t.is(info!.payload.config.mqtt.users[0].username, 'till-a');
  const text = JSON.stringify(info!.payload);
  t.false(text.includes('sk-live-abcdef'));
  t.false(text.includes('scrypt$'));
  t.true(info!.payload.config_schema.properties.provider.properties.api_key.writeOnly);
});

test('a wrong password and an anonymous login are refused when provisioned', async (t) => {
  const gw = await startTestGateway({ config: { till_id: 'A' }, users });
  t.teardown(() => gw.stop());
  const wrong = await t.throwsAsync(connect(gw.url, { username: 'till-a', password: 'nope' }));
  t.regex(wrong!.message, /Bad username or password|Not authorized/i);
  const anon = await t.throwsAsync(connect(gw.url));
  t.regex(anon!.message, /Not authorized/i);
  const unknown = await t.throwsAsync(connect(gw.url, { username: 'mallory', password: 'x' }));
  t.regex(unknown!.message, /Bad username or password/i);
  // The journal tells a client that named no login from a mistyped one.
  const reasons = gw.lines
    .map((l) => JSON.parse(l))
    .filter((l) => l.msg === 'mqtt login refused')
    .map((l) => l.reason);
  t.deepEqual(reasons, ['bad password', 'no login', 'unknown user']);
});

test("till A cannot subscribe to till B's topics nor anything outside its base", async (t) => {
  const gw = await startTestGateway({ config: { till_id: 'A' }, users });
  t.teardown(() => gw.stop());
  const a = await connect(gw.url, { username: 'till-a', password: 'pw-a-correct' });
  t.teardown(() => a.endAsync());
  // mqtt.js rejects a subscription whose SUBACK carries 0x80 (refused).
  for (const denied of ['pos/B/#', 'pos/B/scan', 'pos/+/scan', '#', '+/A/#', 'pos/#', '$SYS/#']) {
    const err = await t.throwsAsync(a.subscribeAsync(denied, { qos: 1 }), undefined, denied);
    t.regex(err!.message, /Subscribe error/);
  }
  for (const allowed of ['pos/A/#', 'pos/A/scan', 'pos/A/response/+']) {
    const granted = await a.subscribeAsync(allowed, { qos: 1 });
    t.is(granted[0]!.qos, 1, allowed);
  }
});

test("till B's login cannot publish to till A's requests: the connection is closed, nothing answered", async (t) => {
  const gw = await startTestGateway({ config: { till_id: 'A' }, users });
  t.teardown(() => gw.stop());
  const a = await connect(gw.url, { username: 'till-a', password: 'pw-a-correct' });
  t.teardown(() => a.endAsync());
  const responses = await recorder(a, 'pos/A/response/#');
  const b = await connect(gw.url, { username: 'till-b', password: 'pw-b-correct' });
  const closed = new Promise<void>((resolve) => b.once('close', () => resolve()));
  b.publish('pos/A/request/gateway/test_scan', JSON.stringify({ transaction: 'x1', text: 'hello' }), {
    qos: 1,
  });
  await closed;
  b.end(true);
  await settled(responses, 'A'); // an answer to B's request would have come before the barrier's
  t.is(withoutBarriers(responses.messages).length, 0);
  // A till may not publish state either, even on its own base.
  const a2 = await connect(gw.url, { username: 'till-a', password: 'pw-a-correct' });
  const closed2 = new Promise<void>((resolve) => a2.once('close', () => resolve()));
  a2.publish('pos/A/gateway/state', JSON.stringify({ state: 'offline' }), { qos: 1, retain: true });
  await closed2;
  a2.end(true);
  const [state] = await nextMessages(a, 'pos/A/gateway/state');
  t.deepEqual(state!.payload, { state: 'online' });
});

test('demo mode accepts anonymous clients on loopback and binds to loopback', async (t) => {
  const gw = await startTestGateway({ config: { mqtt: { host: '0.0.0.0' } } });
  t.teardown(() => gw.stop());
  const client = await connect(gw.url);
  t.teardown(() => client.endAsync());
  const [state] = await nextMessages(client, 'pos/demo-till/gateway/state');
  t.deepEqual(state!.payload, { state: 'online' });
  t.true(gw.lines.some((l) => l.includes('demo mode: broker bound to loopback only')));
});
