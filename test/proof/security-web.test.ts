// The web half of the security matrix (issue 12), from the tables in matrix/web.ts, against a real
// gateway: every route (enumerated from the server, so a new one fails here until classified) ×
// every kind of caller — no session, a tampered or logged-out cookie, a visitor, a technician
// without, with a forged or with another session's CSRF token — refused by the right guard and
// without effect; and the login and claim rate limits, per client address.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { LOGIN_ATTEMPTS_PER_MINUTE } from '../../src/web/auth.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { setupCodeFrom, WebClient } from '../web/client.ts';
import { Tally } from './matrix/tally.ts';
import { bodyFor, CALLERS, type Caller, EXPECTED, pathOf, ROUTES } from './matrix/web.ts';

const TECH_PASSWORD = 'technician-pass-1';

/** A client address of its own for every caller (Linux routes all of 127.0.0.0/8 to loopback). */
let nextAddress = 0;
const freshAddress = () => {
  const n = nextAddress++;
  return `127.0.${10 + Math.floor(n / 250)}.${(n % 250) + 1}`;
};

async function claimed(): Promise<TestGateway & { base: string }> {
  const gw = await startTestGateway();
  const base = `http://127.0.0.1:${gw.gateway.httpPort}`;
  const owner = new WebClient(base);
  await owner.open();
  const res = await owner.post('/api/claim', { code: setupCodeFrom(gw.lines), password: TECH_PASSWORD });
  if (res.status !== 200) throw new Error(`claim failed: ${res.status}`);
  return Object.assign(gw, { base });
}

async function technician(base: string, localAddress = freshAddress()): Promise<WebClient> {
  const c = new WebClient(base, { localAddress });
  await c.open();
  const res = await c.post('/api/login', { password: TECH_PASSWORD });
  if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
  return c;
}

/** A client in the state a caller is in, and how it sends: `csrf` false and a header of its own. */
async function caller(
  base: string,
  who: Caller,
): Promise<{ client: WebClient; headers?: Record<string, string>; csrf?: boolean }> {
  const localAddress = freshAddress();
  switch (who) {
    case 'no session':
      return { client: new WebClient(base, { localAddress }) };
    case 'tampered session cookie': {
      const c = await technician(base, localAddress);
      // The signature's last character changed: the server must not find the session.
      const last = c.cookie.at(-1) === 'A' ? 'B' : 'A';
      c.cookie = c.cookie.slice(0, -1) + last;
      return { client: c };
    }
    case 'cookie of a logged-out session': {
      const c = await technician(base, localAddress);
      const { cookie, csrf } = c;
      await c.post('/api/logout');
      c.cookie = cookie;
      c.csrf = csrf;
      return { client: c };
    }
    case 'visitor session with its token': {
      const c = new WebClient(base, { localAddress });
      await c.open();
      return { client: c };
    }
    case 'technician without a CSRF token':
      return { client: await technician(base, localAddress), csrf: false };
    case 'technician with a forged token':
      return {
        client: await technician(base, localAddress),
        csrf: false,
        headers: { 'x-csrf-token': 'forged' },
      };
    case "technician with another session's token": {
      const other = new WebClient(base, { localAddress });
      await other.open();
      return {
        client: await technician(base, localAddress),
        csrf: false,
        headers: { 'x-csrf-token': other.csrf },
      };
    }
    case 'technician with its token':
      return { client: await technician(base, localAddress) };
  }
}

function outcomeOf(res: { status: number; data: any }): string {
  const code = typeof res.data === 'object' ? res.data?.error : undefined;
  // HEAD answers carry no body: the status alone tells the guard.
  if (res.status === 401 && (code === 'login_required' || code === undefined)) return 'login_required';
  if (res.status === 403 && (code === 'csrf_invalid' || code === undefined)) return 'csrf_invalid';
  if (res.status === 429) return 'rate_limited';
  if (res.status >= 500) return `server error ${res.status}`;
  return 'reached';
}

test('web routes × callers: each refused by the right guard, and a refused call has no effect', async (t) => {
  t.timeout(240_000);
  const gw = await claimed();
  t.teardown(() => gw.stop());
  const tally = new Tally('security', 'web routes', 'route × caller');
  // The page's files are one route each (src/web/assets.ts), a fixed public set: classified as one.
  const asAssets = (url: string) => url.replace(/^\/assets\/[^/]+$/, '/assets/*');
  const routes = [...new Set(gw.gateway.web.app.edgeRoutes.map((r) => `${r.method} ${asAssets(r.url)}`))];
  t.deepEqual([...routes].sort(), Object.keys(ROUTES).sort(), 'every route of the server is classified');
  const scanned: string[] = [];
  gw.gateway.scans.onScan((s) => {
    if (s.event.text) scanned.push(s.event.text);
  });

  const refusedMarkers: string[] = [];
  const allowedScans: string[] = [];
  let n = 0;
  for (const route of routes) {
    const [method, url] = route.split(' ') as [string, string];
    for (const who of CALLERS) {
      const expected = EXPECTED[ROUTES[route]!][who];
      const marker = `cell-${++n}`;
      const c = await caller(gw.base, who);
      const body = method === 'POST' ? bodyFor(route, marker, expected === 'reached') : undefined;
      const res = await c.client.request(method, pathOf(url), body, { csrf: c.csrf, headers: c.headers });
      tally.check(`${route} by ${who}`, expected, outcomeOf(res), `${res.status} ${res.text.slice(0, 80)}`);
      if (expected !== 'reached') refusedMarkers.push(marker);
      else if (route === 'POST /api/test-scan') allowedScans.push(marker);
    }
  }

  // Refused means no effect: no scan, no setting; a reached test scan is one scan.
  for (const m of refusedMarkers)
    tally.confirm(
      `effect of refused ${m}`,
      'refused call without effect',
      'none',
      scanned.includes(m) ? 'a scan' : 'none',
    );
  const config = readFileSync(join(gw.dataDir, 'config.json'), 'utf8');
  tally.confirm(
    'settings after the refused provisioning',
    'refused call without effect',
    'unchanged',
    refusedMarkers.some((m) => config.includes(`"${m}"`)) ? 'changed' : 'unchanged',
  );
  for (const m of allowedScans)
    tally.confirm(
      `scan of ${m}`,
      'allowed call with its effect',
      '1 scan',
      `${scanned.filter((s) => s === m).length} scan`,
    );
  tally.record();
  t.deepEqual(tally.failures, []);
});

test(`login and claim: ${LOGIN_ATTEMPTS_PER_MINUTE} attempts a minute per client address, whatever the session or headers`, async (t) => {
  t.timeout(120_000);
  const tally = new Tally('security', 'login and claim rate limits', 'attempt × client');
  const gw = await claimed();
  t.teardown(() => gw.stop());
  const address = freshAddress();
  const web = new WebClient(gw.base, { localAddress: address });
  await web.open();
  for (let i = 1; i <= LOGIN_ATTEMPTS_PER_MINUTE; i++) {
    const res = await web.post('/api/login', { password: `guess-${i}` });
    tally.check(`wrong password ${i}`, '401 login_failed', `${res.status} ${res.data.error}`);
  }
  const limited = await web.post('/api/login', { password: TECH_PASSWORD });
  tally.check('then the right password', '429 rate_limited', `${limited.status} ${limited.data.error}`);
  tally.confirm(
    'and no session',
    'refused attempt without effect',
    'visitor',
    (await web.get('/api/session')).data.technician ? 'technician' : 'visitor',
  );
  const fresh = new WebClient(gw.base, { localAddress: address });
  await fresh.open();
  const again = await fresh.post('/api/login', { password: TECH_PASSWORD });
  tally.check(
    'right password from a fresh session',
    '429 rate_limited',
    `${again.status} ${again.data.error}`,
  );
  const spoofed = await fresh.request(
    'POST',
    '/api/login',
    { password: TECH_PASSWORD },
    {
      headers: { 'x-forwarded-for': '203.0.113.9', 'x-real-ip': '203.0.113.9' },
    },
  );
  tally.check(
    'right password claiming another address in headers',
    '429 rate_limited',
    `${spoofed.status} ${spoofed.data.error}`,
  );
  tally.check('the status page meanwhile', '200', String((await fresh.get('/api/status')).status));
  const elsewhere = new WebClient(gw.base, { localAddress: freshAddress() });
  await elsewhere.open();
  const ok = await elsewhere.post('/api/login', { password: TECH_PASSWORD });
  tally.check('right password from another address', '200', String(ok.status));

  // Guessing the setup code of an unclaimed box is limited the same way.
  const box = await startTestGateway();
  t.teardown(() => box.stop());
  const boxBase = `http://127.0.0.1:${box.gateway.httpPort}`;
  const guesser = new WebClient(boxBase, { localAddress: freshAddress() });
  await guesser.open();
  for (let i = 1; i <= LOGIN_ATTEMPTS_PER_MINUTE; i++) {
    const res = await guesser.post('/api/claim', { code: `AAAA-BBBB-CCC${i}`, password: TECH_PASSWORD });
    tally.check(`wrong setup code ${i}`, '403 setup_code_invalid', `${res.status} ${res.data.error}`);
  }
  const code = setupCodeFrom(box.lines);
  const late = await guesser.post('/api/claim', { code, password: TECH_PASSWORD });
  tally.check('then the right setup code', '429 rate_limited', `${late.status} ${late.data.error}`);
  tally.confirm(
    'box still unclaimed',
    'refused attempt without effect',
    'unclaimed',
    (await guesser.get('/api/session')).data.claimed ? 'claimed' : 'unclaimed',
  );
  const owner = new WebClient(boxBase, { localAddress: freshAddress() });
  await owner.open();
  tally.check(
    'right setup code from another address',
    '200',
    String((await owner.post('/api/claim', { code, password: TECH_PASSWORD })).status),
  );
  tally.record();
  t.deepEqual(tally.failures, []);
});
