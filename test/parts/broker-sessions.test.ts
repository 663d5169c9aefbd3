// A till's persistent session outlives a restart of the broker part (src/mqtt/sessions.ts), as
// with Mosquitto and persistence: a till connected with clean:false and a QoS 1 subscription to
// scans gets, after it reconnects, every scan published while it was away, exactly once, without
// subscribing again. Real parts: the gateway's aedes broker, a scanner on a socat pty, mqtt.js
// tills, settings written as the page writes them and applied to the running gateway.
import { join } from 'node:path';
import test from 'ava';
import mqtt, { type MqttClient } from 'mqtt';
import { loadConfig } from '../../src/config/load.ts';
import { type ProvisionPatch, provision } from '../../src/config/provision.ts';
import type { ApplyPlan } from '../../src/parts/apply.ts';
import {
  collectingLogger,
  connect,
  recorder,
  startTestGateway,
  type TestGateway,
  waitUntil,
} from '../helpers/gateway.ts';
import { type PtyPair, startPtyPair } from '../helpers/pty.ts';

const TILL = { username: 'till-1', password: 'till-1-password' };
const OTHER = { username: 'till-2', password: 'till-2-password' };

async function gatewayWithScanner(t: any): Promise<{ gw: TestGateway; pty: PtyPair }> {
  const pty = await startPtyPair();
  t.teardown(() => pty.close());
  const gw = await startTestGateway({
    config: {
      till_id: 'T1',
      devices: { poll_interval_ms: 100, serial: [{ path: pty.device, profile: 'generic-serial' }] },
    },
    users: { [TILL.username]: { password: TILL.password }, [OTHER.username]: { password: OTHER.password } },
  });
  t.teardown(() => gw.stop());
  await waitUntil(() => gw.gateway.devices.list()[0]?.state === 'online', 'the scanner is online');
  return { gw, pty };
}

/** What the page does: validate and write through the config store, then apply the files. */
async function provisionAndApply(gw: TestGateway, patch: ProvisionPatch): Promise<ApplyPlan> {
  const target = {
    configPath: join(gw.dataDir, 'config.json'),
    dataDir: gw.dataDir,
    env: {},
    logger: collectingLogger().logger,
  };
  const written = await provision(target, patch);
  if (!written.ok) throw new Error(JSON.stringify(written.problems));
  return gw.gateway.apply(await loadConfig(target));
}

interface SessionTill {
  client: MqttClient;
  /** Scan texts in arrival order. */
  scans: string[];
  sessionPresent: boolean;
}

/**
 * A till with a persistent session and no reconnect of its own (the test says when it is back).
 * The listener is on before the CONNECT goes out: queued messages follow the CONNACK at once.
 */
function sessionTill(t: any, gw: TestGateway, login: typeof TILL, clientId: string): Promise<SessionTill> {
  const client = mqtt.connect(gw.url, { ...login, clientId, clean: false, reconnectPeriod: 0 });
  const till: SessionTill = { client, scans: [], sessionPresent: false };
  client.on('error', () => {});
  client.on('message', (topic, payload) => {
    if (topic === 'pos/T1/scan') till.scans.push(JSON.parse(payload.toString()).text);
  });
  t.teardown(() => client.end(true));
  return new Promise((resolve, reject) => {
    client.once('connect', (connack) => {
      till.sessionPresent = connack.sessionPresent;
      resolve(till);
    });
    client.once('error', reject);
  });
}

/** Scans the scanner sends now; resolved once a till connected through all of it heard them. */
async function scan(pty: PtyPair, witness: Awaited<ReturnType<typeof recorder>>, ...texts: string[]) {
  for (const text of texts) pty.write(`${text}\r`);
  for (const text of texts) await witness.until((m) => m.payload.text === text, 10_000);
}

test('a till with a persistent session gets every scan published while the broker restarted, exactly once, without subscribing again; a new password of its own login keeps the session', async (t) => {
  t.timeout(90_000);
  const { gw, pty } = await gatewayWithScanner(t);
  const till = await sessionTill(t, gw, TILL, 'till-1-pos');
  await till.client.subscribeAsync('pos/T1/scan', { qos: 1 });
  pty.write('BEFORE-1\r');
  await waitUntil(() => till.scans.includes('BEFORE-1'), 'the till heard the first scan');
  const dropped = new Promise<void>((resolve) => till.client.once('close', () => resolve()));

  // The till's own login gets a new password: the broker restarts and every till reconnects.
  const applying = provisionAndApply(gw, {
    'mqtt.users': [
      { username: TILL.username, password: 'till-1-new-password' },
      { username: OTHER.username },
    ],
  });
  await dropped;
  // Scanned while the broker is down or just back, before the till reconnects.
  pty.write('GAP-1\r');
  t.like(await applying, { kind: 'parts', restart: ['broker', 'info'] });
  const witness = await recorder(await connect(gw.url, OTHER), 'pos/T1/scan');
  t.teardown(() => witness.client.endAsync(true));
  await scan(pty, witness, 'GAP-2', 'GAP-3');

  const back = await sessionTill(t, gw, { ...TILL, password: 'till-1-new-password' }, 'till-1-pos');
  t.true(back.sessionPresent, 'the broker still had the session');
  await waitUntil(() => back.scans.length >= 3, 'the queued scans arrived', 15_000);
  // Live again through the subscription the session kept; as it comes after the queue, nothing
  // more of the queue is still on its way. (aedes sends the queue while live messages flow: a scan
  // in the very moment of the reconnect may come before the last queued one; `seq` orders them.)
  await scan(pty, witness, 'AFTER-1');
  await waitUntil(() => back.scans.includes('AFTER-1'), 'the till heard the scan after it came back');
  t.deepEqual(till.scans, ['BEFORE-1']);
  t.deepEqual(back.scans, ['GAP-1', 'GAP-2', 'GAP-3', 'AFTER-1']);
});

test('a removed login loses its session: given back later, the till starts without one and gets nothing queued', async (t) => {
  t.timeout(90_000);
  const { gw, pty } = await gatewayWithScanner(t);
  const till = await sessionTill(t, gw, OTHER, 'till-2-pos');
  await till.client.subscribeAsync('pos/T1/scan', { qos: 1 });
  const dropped = new Promise<void>((resolve) => till.client.once('close', () => resolve()));

  t.like(await provisionAndApply(gw, { 'mqtt.users': [{ username: TILL.username }] }), {
    kind: 'parts',
    restart: ['broker', 'info'],
  });
  await dropped;
  const witness = await recorder(await connect(gw.url, TILL), 'pos/T1/scan');
  t.teardown(() => witness.client.endAsync(true));
  // Published while the login is gone: for nobody's session.
  await scan(pty, witness, 'WHILE-REMOVED');

  // The same username given back (a new password, as a new login needs one).
  await provisionAndApply(gw, {
    'mqtt.users': [{ username: TILL.username }, { username: OTHER.username, password: 'till-2-again' }],
  });
  const witnessAgain = await recorder(await connect(gw.url, TILL), 'pos/T1/scan');
  t.teardown(() => witnessAgain.client.endAsync(true));
  const again = await sessionTill(t, gw, { ...OTHER, password: 'till-2-again' }, 'till-2-pos');
  t.false(again.sessionPresent, 'the session went with the login');
  await again.client.subscribeAsync('pos/T1/scan', { qos: 1 });
  await scan(pty, witnessAgain, 'MARKER');
  await waitUntil(() => again.scans.includes('MARKER'), 'the till heard the marker scan');
  t.deepEqual(again.scans, ['MARKER']);
});
