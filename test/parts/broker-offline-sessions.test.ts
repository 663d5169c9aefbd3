// The bounds on a till's persistent session (src/mqtt/offline-sessions.ts) as the gateway wires
// them: `mqtt.max_queued_messages` and `mqtt.session_expiry_s` from the one settings schema, with
// their defaults and clear errors, and the drops served on `/metrics`. Real parts: the whole
// gateway in-process, mqtt.js tills, scans published by `gateway/test_scan` requests.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import mqtt from 'mqtt';
import parse from 'parse-prometheus-text-format';
import { ConfigError } from '../../src/config/errors.ts';
import { loadConfig } from '../../src/config/load.ts';
import {
  collectingLogger,
  connect,
  recorder,
  startTestGateway,
  tempDir,
  waitUntil,
} from '../helpers/gateway.ts';

const TILL = { username: 'till-1', password: 'till-1-password' };
const WITNESS = { username: 'till-2', password: 'till-2-password' };

async function metric(port: number, name: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  const family = parse(await res.text()).find((f) => f.name === name);
  if (!family) throw new Error(`metric ${name} missing`);
  return family.metrics.reduce((n, s) => n + Number(s.value), 0);
}

/** Scrapes until the metric has the value; fails after a generous deadline. */
async function metricReaches(port: number, name: string, value: number, timeoutMs = 10_000) {
  const start = Date.now();
  while ((await metric(port, name)) !== value) {
    if (Date.now() - start > timeoutMs) throw new Error(`${name} never reached ${value}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('defaults: 1000 queued messages and 7 days; a cap below 1 or a negative expiry is named', async (t) => {
  const { logger } = collectingLogger();
  const loaded = await loadConfig({ dataDir: tempDir(), env: {}, logger });
  t.is(loaded.settings.mqtt.max_queued_messages, 1000);
  t.is(loaded.settings.mqtt.session_expiry_s, 7 * 86400);

  const dataDir = tempDir();
  const configPath = join(dataDir, 'config.json');
  writeFileSync(configPath, JSON.stringify({ mqtt: { max_queued_messages: 0, session_expiry_s: -1 } }));
  const err = await loadConfig({ configPath, dataDir, env: {}, logger }).catch((e: unknown) => e);
  t.true(err instanceof ConfigError, String(err));
  const paths = (err as ConfigError).problems.map((p) => p.path).sort();
  t.deepEqual(paths, ['mqtt.max_queued_messages', 'mqtt.session_expiry_s']);
});

test('the gateway caps what waits for a till away at mqtt.max_queued_messages and counts the drops on /metrics', async (t) => {
  t.timeout(90_000);
  const gw = await startTestGateway({
    config: { till_id: 'T1', mqtt: { max_queued_messages: 2 } },
    users: {
      [TILL.username]: { password: TILL.password },
      [WITNESS.username]: { password: WITNESS.password },
    },
  });
  t.teardown(() => gw.stop());
  const http = gw.gateway.httpPort;
  t.is(await metric(http, 'edge_mqtt_offline_dropped_total'), 0);

  const till = await connect(gw.url, { ...TILL, clientId: 'till-1-pos', clean: false });
  await till.subscribeAsync('pos/T1/scan', { qos: 1 });
  await till.endAsync();
  await metricReaches(http, 'edge_mqtt_offline_sessions', 1);
  const witness = await recorder(await connect(gw.url, WITNESS), 'pos/T1/scan');
  t.teardown(() => witness.client.endAsync(true));
  for (const text of ['G1', 'G2', 'G3', 'G4']) {
    await witness.client.publishAsync(
      'pos/T1/request/gateway/test_scan',
      JSON.stringify({ transaction: `tx-${text}`, text }),
      { qos: 1 },
    );
    await witness.until((m) => m.payload.text === text, 10_000);
  }
  t.is(await metric(http, 'edge_mqtt_offline_queued_messages'), 2);
  t.is(await metric(http, 'edge_mqtt_offline_dropped_total'), 2);
  t.is(await metric(http, 'edge_mqtt_sessions_expired_total'), 0);
  t.is(gw.lines.filter((l) => l.includes('mqtt offline queue full')).length, 1);

  const back = mqtt.connect(gw.url, { ...TILL, clientId: 'till-1-pos', clean: false, reconnectPeriod: 0 });
  t.teardown(() => back.end(true));
  const texts: string[] = [];
  back.on('message', (_topic, payload) => texts.push(JSON.parse(payload.toString()).text));
  await waitUntil(() => texts.length >= 2, 'the kept scans arrived');
  t.deepEqual(texts, ['G3', 'G4']);
  t.is(await metric(http, 'edge_mqtt_offline_sessions'), 0);
});
