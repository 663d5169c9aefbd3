// First boot and login over HTTP against a real gateway: the setup code from the log claims the
// box, the password is stored as a scrypt hash in a 0600 file, sessions are fresh at login and end
// when expired, cookies and headers carry the security attributes (the login rate limits are in
// the security matrix, test/proof/security-web.test.ts).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { createSessionStore } from '../../src/web/session-store.ts';
import { startTestGateway } from '../helpers/gateway.ts';
import { setupCodeFrom, WebClient } from './client.ts';

const PASSWORD = 'correct horse battery';

test('an unclaimed box logs its setup code at info, and the code claims it once with a scrypt-hashed password in a 0600 file', async (t) => {
  const gw = await startTestGateway();
  t.teardown(() => gw.stop());
  const line = gw.lines.map((l) => JSON.parse(l)).find((l) => l.setup_code);
  t.is(line.level, 'info');
  t.regex(line.setup_code, /^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
  t.true(line.msg.includes(line.setup_code), 'a person reading the console sees the code in the message');
  t.is(statSync(join(gw.dataDir, 'setup-code')).mode & 0o777, 0o600);

  const web = new WebClient(`http://127.0.0.1:${gw.gateway.httpPort}`);
  t.false((await web.get('/api/status')).data.claimed);
  t.false((await web.open()).data.claimed);

  const wrong = await web.post('/api/claim', { code: 'AAAA-BBBB-CCCC', password: PASSWORD });
  t.is(wrong.status, 403);
  t.is(wrong.data.error, 'setup_code_invalid');
  const short = await web.post('/api/claim', { code: line.setup_code, password: 'short' });
  t.is(short.status, 400);
  t.is(short.data.field, 'password');

  const anonymousCookie = web.cookie;
  const ok = await web.post('/api/claim', { code: line.setup_code.toLowerCase(), password: PASSWORD });
  t.is(ok.status, 200);
  t.not(web.cookie, anonymousCookie, 'a fresh session id after the claim');
  const secrets = join(gw.dataDir, 'secrets.json');
  t.is(statSync(secrets).mode & 0o777, 0o600);
  t.regex(JSON.parse(readFileSync(secrets, 'utf8')).technician.password_hash, /^scrypt\$/);
  t.is(statSync(join(gw.dataDir, 'web-session.key')).mode & 0o777, 0o600);
  t.false(existsSync(join(gw.dataDir, 'setup-code')), 'the code is used up');
  t.true((await web.get('/api/session')).data.technician);
  t.true((await web.get('/api/status')).data.claimed);

  const other = new WebClient(web.base);
  await other.open();
  t.is((await other.post('/api/claim', { code: line.setup_code, password: PASSWORD })).status, 409);
});

test('login gives a fresh session with HttpOnly SameSite=Strict cookie; logout and expiry end it', async (t) => {
  const sessions = createSessionStore();
  const gw = await startTestGateway({ web: { sessions, startedAt: Date.now() } });
  t.teardown(() => gw.stop());
  const web = new WebClient(`http://127.0.0.1:${gw.gateway.httpPort}`);
  await web.open();
  await web.post('/api/claim', { code: setupCodeFrom(gw.lines), password: PASSWORD });
  await web.post('/api/logout');
  t.false((await web.open()).data.technician);

  const before = web.cookie;
  const bad = await web.post('/api/login', { password: 'not the password' });
  t.is(bad.status, 401);
  t.is(bad.data.error, 'login_failed');
  const good = await web.post('/api/login', { password: PASSWORD });
  t.is(good.status, 200);
  t.not(web.cookie, before);
  const cookie = good.setCookie.find((c) => c.startsWith('edge_session='))!;
  t.regex(cookie, /HttpOnly/i);
  t.regex(cookie, /SameSite=Strict/i);
  t.regex(cookie, /Path=\//);
  t.regex(cookie, /Expires=/);
  t.true((await web.get('/api/session')).data.technician);

  // Expire every stored session as 30 idle minutes would: the server refuses it, not only the browser.
  const past = new Date(Date.now() - 1000).toISOString();
  expireAll(sessions, past);
  t.false((await web.get('/api/session')).data.technician);
});

function expireAll(store: ReturnType<typeof createSessionStore>, at: string) {
  store.forEach((s) => {
    if (s.cookie) s.cookie.expires = at;
  });
}

test('pages and API answers carry the security headers', async (t) => {
  const gw = await startTestGateway();
  t.teardown(() => gw.stop());
  for (const path of ['/', '/api/status', '/api/session', '/assets/app.js']) {
    const res = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}${path}`);
    t.is(res.status, 200, path);
    const csp = res.headers.get('content-security-policy') ?? '';
    t.regex(csp, /default-src 'self'/, path);
    t.regex(csp, /frame-ancestors 'none'/, path);
    t.notRegex(csp, /unsafe-inline|upgrade-insecure-requests/, path);
    t.is(res.headers.get('x-content-type-options'), 'nosniff', path);
    t.is(res.headers.get('x-frame-options'), 'SAMEORIGIN', path);
    t.is(res.headers.get('referrer-policy'), 'no-referrer', path);
  }
});
