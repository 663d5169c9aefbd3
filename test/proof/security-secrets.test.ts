// Secrets in the security matrix (issue 12): a provisioned box with every secret set (provider API
// key, uplink password, till logins, technician password, session key, setup code) goes through a
// technician's and two tills' day — claim, logins right and wrong, provisioning with good and bad
// values, test scans, connectivity tests, loyalty requests, the diagnostics download — and then no
// HTTP answer, live stream, log line, MQTT message (retained gateway/info included, and what the
// uplink tells the ops broker) or diagnostics bundle holds any of them. Files that hold a secret or
// a hash are 0600.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import type { MqttClient } from 'mqtt';
import { createSimulator } from '../../src/loyalty/simulator/index.ts';
import { SEED } from '../../src/loyalty/simulator/seed.ts';
import { connect, recorder, settled, startTestGateway, waitUntil } from '../helpers/gateway.ts';
import { opsBroker, uplinkConfig, watch } from '../uplink/_rig.ts';
import { setupCodeFrom, WebClient } from '../web/client.ts';
import { Tally } from './matrix/tally.ts';

const S = {
  apiKey: 'provider-api-key-secret-123',
  newApiKey: 'provider-api-key-NEW-456',
  opsPassword: 'ops-broker-secret-9',
  newOpsPassword: 'ops-broker-NEW-10',
  urlPassword: 'inline-url-pass',
  tillA: 'till-a-password-77',
  tillB: 'till-b-password-88',
  tillC: 'till-c-password-99',
  tech: 'technician-pass-1',
};

function headerLines(headers: Headers): string {
  const lines: string[] = [];
  headers.forEach((v, k) => {
    lines.push(`${k}: ${v}`);
  });
  return lines.join('\n');
}

/** A live stream's text as it arrives. */
async function stream(url: string, cookie = '') {
  const res = await fetch(url, { headers: cookie ? { cookie } : {} });
  const reader = res.body!.getReader();
  const got = { text: '' };
  const reading = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      got.text += new TextDecoder().decode(value);
    }
  })().catch(() => {});
  return {
    got,
    async close() {
      await reader.cancel().catch(() => {});
      await reading;
    },
  };
}

test('no HTTP answer, live stream, log line, MQTT message or diagnostics bundle holds a secret or a hash', async (t) => {
  t.timeout(120_000);
  const sim = await createSimulator({ apiKey: S.apiKey });
  t.teardown(() => sim.close());
  // The central ops broker (a real Mosquitto) with this box's login; everything it hears is searched.
  const ops = await opsBroker(t, [{ username: 'B1.A', password: S.opsPassword, branch: 'B1', till: 'A' }]);
  const opsTraffic = await watch(t, ops);
  const gw = await startTestGateway({
    config: {
      till_id: 'A',
      branch_id: 'B1',
      mqtt: { ws_port: 0 },
      provider: { url: sim.url, api_key: S.apiKey },
      uplink: uplinkConfig(ops, {
        url: ops.url.replace('//', `//ops:${S.urlPassword}@`),
        username: 'B1.A',
        password: S.opsPassword,
      }),
    },
    users: { 'till-a': { password: S.tillA }, 'till-b': { password: S.tillB, till_id: 'B' } },
  });
  t.teardown(() => gw.stop());
  const base = `http://127.0.0.1:${gw.gateway.httpPort}`;
  const http: { label: string; text: string }[] = [];
  const keep = (label: string, r: { status: number; text: string; headers: Headers }) => {
    http.push({
      label,
      text: `${r.status}\n${headerLines(r.headers)}\n${r.text}`,
    });
    return r;
  };

  // MQTT: till A over TCP and WebSocket, till B; each from its first subscription (retained included).
  const clients: MqttClient[] = [];
  t.teardown(() => {
    for (const c of clients) c.end(true);
  });
  const till = async (url: string, username: string, password: string) => {
    const c = await connect(url, { username, password });
    clients.push(c);
    return c;
  };
  const mqttA = await recorder(await till(gw.url, 'till-a', S.tillA), 'pos/A/#');
  const mqttAws = await recorder(await till(gw.wsUrl!, 'till-a', S.tillA), 'pos/A/#');
  const mqttB = await recorder(await till(gw.url, 'till-b', S.tillB), 'pos/B/#');
  for (const [username, password] of [
    ['till-a', S.tillB],
    ['till-b', `${S.tillB}x`],
    ['till-c', S.tillC],
    [S.tillA, S.tillA],
  ])
    await connect(gw.url, { username, password }).then(
      (c) => c.end(true),
      () => {},
    );

  // First boot: the setup code is in the journal; the visitor's stream runs from before the claim.
  const setupCode = setupCodeFrom(gw.lines);
  const visitorStream = await stream(`${base}/api/events`);
  const tech = new WebClient(base);
  keep('session', await tech.open());
  keep(
    'claim with a wrong code',
    await tech.post('/api/claim', { code: 'AAAA-BBBB-CCCC', password: S.tech }),
  );
  keep('claim', await tech.post('/api/claim', { code: setupCode, password: S.tech }));
  const claimedAt = gw.lines.length;
  const techStream = await stream(`${base}/api/events`, tech.cookie);

  // The tills' day: an enrolment, scans of loyalty codes, a turnover by code.
  const request = async (op: string, args: Record<string, unknown>) => {
    const tx = `sec-${op}-${Date.now()}`;
    await mqttA.client.publishAsync(`pos/A/request/${op}`, JSON.stringify({ transaction: tx, ...args }), {
      qos: 1,
    });
    await mqttA.until((m) => m.topic === `pos/A/response/${op}` && m.payload.transaction === tx, 15_000);
  };
  await request('loyalty/activate', { mobile: '+4917612345678', email: 'anna.muster@example.com' });
  await request('gateway/test_scan', { text: SEED.customers.regular.appUrl });
  await request('loyalty/turnover', {
    code: SEED.customers.appUser.appUrl,
    receipt_number: 'R-1',
    amount_cents: 1990,
    currency: 'EUR',
  });

  // The technician's day.
  keep('test scan', await tech.post('/api/test-scan', { text: SEED.customers.regular.card }));
  keep('connectivity provider', await tech.post('/api/tools/connectivity', { target: 'provider' }));
  keep('connectivity ops', await tech.post('/api/tools/connectivity', { target: 'ops' }));
  const bad = [
    { 'mqtt.users': { username: 'till-c', password: S.tillC } },
    { 'uplink.url': `http://ops:${S.newOpsPassword}@ops.example` },
    { 'provider.url': 'not a url', 'provider.api_key': S.newApiKey },
    { 'provider.api_key': 12345, 'uplink.password': { value: S.newOpsPassword } },
    { 'mqtt.users': [{ username: '', password: S.tillC }] },
  ];
  for (const [i, values] of bad.entries())
    keep(`provisioning refused ${i + 1}`, await tech.post('/api/provision', { values }));
  keep(
    'provisioning',
    await tech.post('/api/provision', {
      values: {
        'provider.api_key': S.newApiKey,
        'uplink.password': S.newOpsPassword,
        'mqtt.users': [
          { username: 'till-a', password: '' },
          { username: 'till-b', till_id: 'B', password: '' },
          { username: 'till-c', password: S.tillC },
        ],
      },
    }),
  );
  keep('dead letter retry', await tech.post('/api/dead/1/retry'));
  // The technician's stream has shown the scans (masked), so the searched stream holds them.
  await waitUntil(
    () => ['****P2LN', '****7890'].every((m) => techStream.got.text.includes(m)),
    'the scans on the live stream',
  );
  for (const r of gw.gateway.web.app.edgeRoutes) {
    if (r.method !== 'GET' || r.url === '/api/events') continue;
    const path = r.url.replace('*', 'app.js');
    keep(`GET ${path} (technician)`, await tech.get(path));
    keep(`GET ${path} (visitor)`, await new WebClient(base).get(path));
  }
  const diagnostics = (await tech.get('/api/diagnostics')).text;
  keep('login with a wrong password', await tech.post('/api/login', { password: `${S.tech}!` }));
  keep('logout', await tech.post('/api/logout'));
  keep('login', await tech.post('/api/login', { password: S.tech }));
  await settled(mqttA, 'A');
  await settled(mqttAws, 'A');
  // The uplink has told ops its state, health and inventory (sampled a few seconds after start).
  for (const kind of ['state', 'health', 'inventory'])
    await opsTraffic.rec.until((m) => m.topic === `edge/B1/A/${kind}`, 30_000);
  await visitorStream.close();
  await techStream.close();

  const json = (p: string) => JSON.parse(readFileSync(join(gw.dataDir, p), 'utf8'));
  const hashes = {
    'till A hash': json('config.json').mqtt.users.find((u: any) => u.username === 'till-a').password_hash,
    'till B hash': json('config.json').mqtt.users.find((u: any) => u.username === 'till-b').password_hash,
    'till C hash': json('config.json').mqtt.users.find((u: any) => u.username === 'till-c').password_hash,
    'technician hash': json('secrets.json').technician.password_hash,
  };
  const secrets: Record<string, string> = {
    'provider API key': S.apiKey,
    'new provider API key': S.newApiKey,
    'uplink password': S.opsPassword,
    'new uplink password': S.newOpsPassword,
    'password in the uplink URL': S.urlPassword,
    'till A password': S.tillA,
    'till B password': S.tillB,
    'new till C password': S.tillC,
    'technician password': S.tech,
    'session key': readFileSync(join(gw.dataDir, 'web-session.key'), 'utf8').trim(),
    'setup code': setupCode,
  };
  for (const [label, hash] of Object.entries(hashes)) {
    secrets[label] = hash;
    secrets[`${label} (key)`] = hash.split('$')[5]!;
    secrets[`${label} (salt)`] = hash.split('$')[4]!;
  }
  const mqttText = (messages: { topic: string; payload: unknown }[]) =>
    messages.map((m) => `${m.topic} ${JSON.stringify(m.payload)}`).join('\n');
  t.true(
    mqttA.messages.some((m) => m.topic === 'pos/A/gateway/info'),
    'the retained gateway/info is searched',
  );
  t.true(JSON.parse(diagnostics).logs.length > 10, 'the bundle has the recent log lines');
  const surfaces: Record<string, string> = {
    ...Object.fromEntries(http.map((h) => [`HTTP ${h.label}`, h.text])),
    'live stream (visitor)': visitorStream.got.text,
    'live stream (technician)': techStream.got.text,
    'log lines up to the claim': gw.lines.slice(0, claimedAt).join('\n'),
    'log lines after the claim': gw.lines.slice(claimedAt).join('\n'),
    'MQTT till A over TCP': mqttText(mqttA.messages),
    'MQTT till A over WebSocket': mqttText(mqttAws.messages),
    'MQTT till B': mqttText(mqttB.messages),
    'MQTT to the ops broker': mqttText(opsTraffic.rec.messages),
    'diagnostics bundle': diagnostics,
  };
  const tally = new Tally('security', 'secrets', 'secret × surface');
  for (const [surface, text] of Object.entries(surfaces)) {
    for (const [label, secret] of Object.entries(secrets)) {
      // The one place a setup code belongs: the journal of a box not claimed yet (DESIGN §7).
      const allowed = label === 'setup code' && surface === 'log lines up to the claim';
      const found = text.includes(secret)
        ? allowed
          ? 'in the journal of an unclaimed box'
          : 'present'
        : 'absent';
      tally.check(`${label} in ${surface}`, allowed ? 'in the journal of an unclaimed box' : 'absent', found);
    }
  }
  tally.record();

  const files = new Tally('security', 'files with secrets', 'file × mode');
  for (const name of readdirSync(gw.dataDir)) {
    const text = readFileSync(join(gw.dataDir, name), 'latin1');
    if (!Object.values(secrets).some((s) => text.includes(s))) continue;
    files.check(`${name} mode`, '600', (statSync(join(gw.dataDir, name)).mode & 0o777).toString(8));
  }
  files.record();
  t.deepEqual([...tally.failures, ...files.failures], []);
  t.true(files.cells >= 3, 'config, secrets and session key files are checked');
});
