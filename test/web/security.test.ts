// Security of the web part against a real gateway: every write route (enumerated from the server,
// so a new one is covered without editing this test) refuses without a session and without the
// CSRF token; and nothing a browser can fetch — pages, API answers, the live stream, the
// diagnostics bundle — contains a secret, a password hash, a full loyalty token or contact data.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { createSimulator } from '../../src/loyalty/simulator/index.ts';
import { SEED } from '../../src/loyalty/simulator/seed.ts';
import { connect, nextMessages, startTestGateway } from '../helpers/gateway.ts';
import { setupCodeFrom, WebClient } from './client.ts';

const TECH_PASSWORD = 'technician-pass-1';
const TILL_PASSWORD = 'till-password-77';
const OPS_PASSWORD = 'ops-broker-secret-9';
const MOBILE = '+4917612345678';
const EMAIL = 'anna.muster@example.com';

const WRITE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const concrete = (url: string) => url.replace(':id', '1').replace(':action', 'retry');

test('every write route refuses without a session and without a valid CSRF token', async (t) => {
  const gw = await startTestGateway();
  t.teardown(() => gw.stop());
  const base = `http://127.0.0.1:${gw.gateway.httpPort}`;
  const tech = new WebClient(base);
  await tech.open();
  t.is(
    (await tech.post('/api/claim', { code: setupCodeFrom(gw.lines), password: TECH_PASSWORD })).status,
    200,
  );

  const writes = gw.gateway.web.app.edgeRoutes.filter((r) => WRITE.has(r.method));
  t.deepEqual(
    writes.map((r) => r.url).sort(),
    [
      '/api/claim',
      '/api/dead/:id/:action',
      '/api/login',
      '/api/logout',
      '/api/provision',
      '/api/test-scan',
      '/api/tools/connectivity',
    ],
    'the write routes this test knows; a new one is checked below like the others',
  );
  const scansBefore = gw.gateway.scans.lastScanAt('test');
  for (const r of writes) {
    const url = concrete(r.url);
    const body = {
      text: '4006381333931',
      target: 'provider',
      password: TECH_PASSWORD,
      values: { till_id: 'x' },
    };
    const anonymous = new WebClient(base);
    const none = await anonymous.request(r.method, url, body);
    t.true([401, 403].includes(none.status), `${r.method} ${url} without a session: ${none.status}`);
    const noToken = await tech.request(r.method, url, body, { csrf: false });
    t.is(noToken.status, 403, `${r.method} ${url} without the CSRF token`);
    t.is(noToken.data.error, 'csrf_invalid');
    const wrongToken = await tech.request(r.method, url, body, {
      csrf: false,
      headers: { 'x-csrf-token': 'forged' },
    });
    t.is(wrongToken.status, 403, `${r.method} ${url} with a forged CSRF token`);
  }
  // Refused means no effect: no scan, no settings change, still logged in.
  t.is(gw.gateway.scans.lastScanAt('test'), scansBefore);
  t.false(readFileSync(join(gw.dataDir, 'config.json'), 'utf8').includes('"till_id":"x"'));
  t.true((await tech.get('/api/session')).data.technician);
});

test('no page, API answer, live event or diagnostics bundle holds a secret, a hash, a full loyalty token or contact data', async (t) => {
  t.timeout(60_000);
  const sim = await createSimulator({ apiKey: 'provider-api-key-secret-123' });
  t.teardown(() => sim.close());
  const gw = await startTestGateway({
    config: {
      provider: { url: sim.url, api_key: 'provider-api-key-secret-123' },
      uplink: { url: 'mqtt://ops:inline-url-pass@127.0.0.1:9', username: 'ops', password: OPS_PASSWORD },
    },
    users: { 'till-1': { password: TILL_PASSWORD } },
  });
  t.teardown(() => gw.stop());
  const base = `http://127.0.0.1:${gw.gateway.httpPort}`;
  const tech = new WebClient(base);
  await tech.open();
  await tech.post('/api/claim', { code: setupCodeFrom(gw.lines), password: TECH_PASSWORD });

  // The live stream as the technician sees it (the richest one), recorded during the activity.
  const stream = await fetch(`${base}/api/events`, { headers: { cookie: tech.cookie } });
  const reader = stream.body!.getReader();
  let events = '';
  const reading = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      events += new TextDecoder().decode(value);
    }
  })();

  const till = await connect(gw.url, { username: 'till-1', password: TILL_PASSWORD });
  t.teardown(() => till.end(true));
  const request = async (op: string, args: Record<string, unknown>) => {
    const answer = nextMessages(till, `${gw.gateway.base}/response/${op}`);
    await till.publishAsync(
      `${gw.gateway.base}/request/${op}`,
      JSON.stringify({ transaction: `sec-${op}`, ...args }),
    );
    return (await answer)[0]!.payload;
  };
  await request('loyalty/activate', { mobile: MOBILE, email: EMAIL });
  await request('gateway/test_scan', { text: SEED.customers.regular.appUrl });
  await tech.post('/api/test-scan', { text: SEED.customers.regular.card });
  await tech.post('/api/test-scan', { text: SEED.customers.appUser.appToken });
  await tech.post('/api/tools/connectivity', { target: 'provider' });
  await until(
    () => events.includes('****P2LN') && events.includes('****7890') && events.includes('****M7RE'),
  );

  const bodies: Record<string, string> = { events };
  const html = await fetch(`${base}/`).then((r) => r.text());
  bodies['/'] = html;
  for (const r of gw.gateway.web.app.edgeRoutes) {
    if (r.method !== 'GET' || r.url === '/api/events' || r.url.includes('*') || r.url === '/') continue;
    const res = await tech.get(r.url);
    t.is(res.status, 200, r.url);
    bodies[r.url] = res.text;
  }
  for (const m of html.matchAll(/(?:href|src)="(\/assets\/[^"]+)"/g))
    bodies[m[1]!] = (await tech.get(m[1]!)).text;
  t.true('/api/diagnostics' in bodies && '/api/provision' in bodies && '/api/status' in bodies);
  t.true(JSON.parse(bodies['/api/diagnostics']!).logs.length > 10, 'the bundle has the recent log lines');

  const forbidden = [
    'provider-api-key-secret-123',
    OPS_PASSWORD,
    'inline-url-pass',
    TILL_PASSWORD,
    TECH_PASSWORD,
    'scrypt$',
    readFileSync(join(gw.dataDir, 'web-session.key'), 'utf8').trim(),
    SEED.customers.regular.appToken,
    SEED.customers.regular.card,
    SEED.customers.appUser.appToken,
    MOBILE,
    MOBILE.slice(1),
    EMAIL,
  ];
  for (const [where, body] of Object.entries(bodies)) {
    for (const secret of forbidden)
      t.false(body.includes(secret), `${where} contains ${secret.slice(0, 6)}…`);
  }
  await reader.cancel();
  await reading.catch(() => {});
});

async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
