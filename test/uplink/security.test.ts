// Who may say what on the ops broker (DESIGN §8, brief "per-till credentials and ACLs"): a box only
// under its own topics, a refused login retried until it is fixed, and TLS against a pinned CA.
import { readFileSync } from 'node:fs';
import test from 'ava';
import mqtt, { type MqttClient } from 'mqtt';
import { connect, startTestGateway, tempDir } from '../helpers/gateway.ts';
import { box, FLEET, httpJson, makeCa, opsBroker, until, uplinkConfig, watch } from './_rig.ts';

/**
 * Resolves once the broker has sent every retained message of the client's subscriptions so far:
 * Mosquitto queues them while it handles the SUBSCRIBE, so the SUBACK of a later one comes after.
 */
async function retainedDelivered(c: MqttClient): Promise<void> {
  await c.subscribeAsync('edge/barrier/none', { qos: 1 });
}

/** True when the broker refuses this login (CONNACK 5); false while it still lets it in. */
async function refuses(
  url: string,
  login: { username: string; password: string },
): Promise<boolean | undefined> {
  try {
    const c = await mqtt.connectAsync(url, { ...login, reconnectPeriod: 0, connectTimeout: 5000 });
    await c.endAsync(true);
    return undefined;
  } catch (err) {
    if ((err as { code?: number }).code === 5) return true;
    throw err;
  }
}

const T1 = box('B1', 'T1');
const T2 = box('B1', 'T2');

test('a box cannot publish under another box’s topics', async (t) => {
  t.timeout(60_000);
  const ops = await opsBroker(t, [T1, T2]);
  const live = await watch(t, ops);
  // A gateway set up as till T2 but holding T1's login (a mix-up, or a stolen password).
  const gw = await startTestGateway({
    config: { till_id: 'T2', branch_id: 'B1', uplink: uplinkConfig(ops, { username: T1.username }) },
    secrets: { uplink: { password: T1.password } },
  });
  t.teardown(() => gw.stop());
  await until('connected', async () => {
    const s = await httpJson(gw.gateway.httpPort, '/api/status');
    return s.ops.state === 'up' ? s : undefined;
  });
  // And a hand-made forgery with T1's login.
  const forger = await connect(ops.url, { username: T1.username, password: T1.password });
  t.teardown(() => forger.endAsync(true));
  await forger.publishAsync('edge/B1/T2/state', JSON.stringify({ state: 'online' }), {
    qos: 1,
    retain: true,
  });
  await forger.publishAsync('edge/B1/T2/events', '{"code":"forged"}', { qos: 1 });
  // Its own topic goes through: the marker proves the broker delivered everything before it (one
  // connection's publishes reach a subscriber in order; no wait needed).
  await forger.publishAsync('edge/B1/T1/state', JSON.stringify({ state: 'online' }), {
    qos: 1,
    retain: true,
  });
  await live.rec.until((m) => m.topic === 'edge/B1/T1/state', 5000);
  t.deepEqual(
    live.rec.messages.filter((m) => m.topic.startsWith('edge/B1/T2/')),
    [],
  );
  // Nothing retained under T2 either.
  const later = await watch(t, ops, 'edge/B1/T2/#');
  await retainedDelivered(later.client);
  t.deepEqual(later.rec.messages, []);
  // Only a reader may subscribe to the fleet; a box's login reads nothing.
  const nosy = await connect(ops.url, { username: T2.username, password: T2.password });
  t.teardown(() => nosy.endAsync(true));
  const got: string[] = [];
  nosy.on('message', (topic) => got.push(topic));
  await nosy.subscribeAsync('edge/#', { qos: 1 });
  await retainedDelivered(nosy);
  t.deepEqual(got, []);
});

test('a refused login is retried with backoff and the box connects by itself once it is fixed', async (t) => {
  t.timeout(60_000);
  const ops = await opsBroker(t, [T1]);
  const live = await watch(t, ops);
  ops.setPasswords([{ username: T1.username, password: 'rotated-on-the-broker' }, FLEET]);
  // The broker reloads on SIGHUP in its own time: until the old password is refused, the box
  // would still get in with it.
  await until('the broker refuses the old password', () => refuses(ops.url, T1));
  const gw = await startTestGateway({
    config: { till_id: 'T1', branch_id: 'B1', uplink: uplinkConfig(ops) },
    secrets: { uplink: { password: T1.password } },
  });
  t.teardown(() => gw.stop());
  const refused = await until('refused', async () => {
    const s = await httpJson(gw.gateway.httpPort, '/api/status');
    return s.ops.last_error?.code === '5' ? s : undefined;
  });
  t.is(refused.ops.connects, 0);
  await until('retries', () => gw.lines.filter((l) => l.includes('"msg":"uplink retry"')).length >= 2);
  t.deepEqual(live.rec.messages, []);

  ops.setPasswords([T1, FLEET]);
  await live.rec.until((m) => m.topic === 'edge/B1/T1/state' && m.payload.state === 'online', 15_000);
  const s = await httpJson(gw.gateway.httpPort, '/api/status');
  t.like(s.ops, { state: 'up', connects: 1 });
});

test('the login set for the uplink wins over credentials written into its URL', async (t) => {
  t.timeout(60_000);
  const ops = await opsBroker(t, [T1]);
  const live = await watch(t, ops);
  const gw = await startTestGateway({
    config: {
      till_id: 'T1',
      branch_id: 'B1',
      uplink: uplinkConfig(ops, {
        url: ops.url.replace('//', '//old-login:old-password@'),
        username: T1.username,
      }),
    },
    secrets: { uplink: { password: T1.password } },
  });
  t.teardown(() => gw.stop());
  await live.rec.until((m) => m.topic === 'edge/B1/T1/state' && m.payload.state === 'online', 15_000);
  t.like((await httpJson(gw.gateway.httpPort, '/api/status')).ops, { state: 'up', connects: 1 });
});

test('TLS: the box trusts the pinned CA of the ops broker and nothing else', async (t) => {
  t.timeout(60_000);
  const pki = makeCa(tempDir('edge-pki-'));
  const ops = await opsBroker(t, [T1, T2], { tls: pki });
  t.true(ops.url.startsWith('mqtts://'));
  const live = await watch(t, ops, 'edge/#', { ca: readFileSync(pki.caFile) });
  const pinned = await startTestGateway({
    config: { till_id: 'T1', branch_id: 'B1', uplink: uplinkConfig(ops, { ca_file: pki.caFile }) },
    secrets: { uplink: { password: T1.password } },
  });
  t.teardown(() => pinned.stop());
  const unpinned = await startTestGateway({
    config: { till_id: 'T2', branch_id: 'B1', uplink: uplinkConfig(ops) },
    secrets: { uplink: { password: T2.password } },
  });
  t.teardown(() => unpinned.stop());
  await live.rec.until((m) => m.topic === 'edge/B1/T1/state' && m.payload.state === 'online', 10_000);
  const refused = await until('certificate refused', async () => {
    const s = await httpJson(unpinned.gateway.httpPort, '/api/status');
    return s.ops.last_error ? s : undefined;
  });
  t.is(refused.ops.state, 'down');
  t.regex(refused.ops.last_error.code, /CERT|SIGNATURE|ISSUER/);
  t.false(live.rec.messages.some((m) => m.topic.startsWith('edge/B1/T2/')));
});
