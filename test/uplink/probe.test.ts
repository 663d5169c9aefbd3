// The technician's "ops broker" connectivity test logs in exactly as the uplink does (one login
// and options builder, src/uplink/login.ts): against a real Mosquitto it passes where the uplink
// connects, and where the uplink is refused it fails with the same reason the status shows.
import test from 'ava';
import { startTestGateway, type TestGateway, tempDir } from '../helpers/gateway.ts';
import { setupCodeFrom, WebClient } from '../web/client.ts';
import { box, httpJson, makeCa, opsBroker, until, uplinkConfig, watch } from './_rig.ts';

const T1 = box('B1', 'T1');
const T2 = box('B1', 'T2');

/** The technician claims the box, then runs the ops connectivity test. */
async function opsTest(gw: TestGateway) {
  const tech = new WebClient(`http://127.0.0.1:${gw.gateway.httpPort}`);
  await tech.open();
  const claim = await tech.post('/api/claim', {
    code: setupCodeFrom(gw.lines),
    password: 'technician-pass-1',
  });
  if (claim.status !== 200) throw new Error(`claim: ${claim.status} ${claim.text}`);
  await tech.open();
  const res = await tech.post('/api/tools/connectivity', { target: 'ops' });
  if (res.status !== 200) throw new Error(`connectivity: ${res.status} ${res.text}`);
  return res.data;
}

/** The uplink's own account of its failure, from the status API, once it has one. */
const uplinkFailure = (gw: TestGateway) =>
  until(
    'the uplink failed',
    async () => {
      const s = await httpJson(gw.gateway.httpPort, '/api/status');
      return s.ops.state === 'down' && s.ops.reason ? s.ops : undefined;
    },
    15_000,
  );

test('ops test: passes with the uplink’s default login without disturbing it; a wrong password fails as the uplink does', async (t) => {
  t.timeout(60_000);
  const ops = await opsBroker(t, [T1, T2]);
  const live = await watch(t, ops);
  // No uplink.username: both log in as `<branch>.<till>`.
  const good = await startTestGateway({
    config: { till_id: 'T1', branch_id: 'B1', uplink: uplinkConfig(ops) },
    secrets: { uplink: { password: T1.password } },
  });
  t.teardown(() => good.stop());
  const bad = await startTestGateway({
    config: { till_id: 'T2', branch_id: 'B1', uplink: uplinkConfig(ops) },
    secrets: { uplink: { password: 'not-the-password' } },
  });
  t.teardown(() => bad.stop());
  await live.rec.until((m) => m.topic === 'edge/B1/T1/state' && m.payload.state === 'online', 10_000);

  t.like(await opsTest(good), { target: 'ops', verdict: 'ok' });
  // Under a client id of its own and without a Last Will: the running uplink kept its session.
  t.like((await httpJson(good.gateway.httpPort, '/api/status')).ops, { state: 'up', connects: 1 });
  t.deepEqual(
    live.rec.messages.filter((m) => m.topic === 'edge/B1/T1/state').map((m) => m.payload.state),
    ['online'],
  );

  const down = await uplinkFailure(bad);
  const verdict = await opsTest(bad);
  t.is(down.last_error.code, '5');
  t.is(down.reason, 'the ops broker refused the login (check username and password)');
  t.like(verdict, { target: 'ops', verdict: 'failed', reason: down.reason });
});

test('ops test: a wrong pinned CA and an unreadable CA file fail with the uplink’s own reason', async (t) => {
  t.timeout(60_000);
  const pki = makeCa(tempDir('edge-pki-'));
  const other = makeCa(tempDir('edge-pki-other-'));
  const ops = await opsBroker(t, [T1, T2], { tls: pki });
  const wrongCa = await startTestGateway({
    config: { till_id: 'T1', branch_id: 'B1', uplink: uplinkConfig(ops, { ca_file: other.caFile }) },
    secrets: { uplink: { password: T1.password } },
  });
  t.teardown(() => wrongCa.stop());
  const noCa = await startTestGateway({
    config: { till_id: 'T2', branch_id: 'B1', uplink: uplinkConfig(ops, { ca_file: '/nonexistent/ca.pem' }) },
    secrets: { uplink: { password: T2.password } },
  });
  t.teardown(() => noCa.stop());

  const untrusted = await uplinkFailure(wrongCa);
  t.is(untrusted.reason, "the broker's certificate is not signed by the pinned CA (uplink.ca_file)");
  t.like(await opsTest(wrongCa), { verdict: 'failed', reason: untrusted.reason });

  const unreadable = await uplinkFailure(noCa);
  t.is(unreadable.reason, 'the CA file /nonexistent/ca.pem cannot be read (ENOENT)');
  t.like(await opsTest(noCa), { verdict: 'failed', reason: unreadable.reason });
});
