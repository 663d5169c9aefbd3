// Wrong-password floods against the real broker (src/mqtt/login-guard.ts), with real mqtt.js
// clients on loopback. Linux routes all of 127.0.0.0/8 to lo, so a client bound to 127.0.0.2 is
// "another address" for the broker.
import { createConnection } from 'node:net';
import test from 'ava';
import { MqttClient } from 'mqtt';
import { connect, nextMessages, startTestGateway, type TestGateway } from '../helpers/gateway.ts';

const TILL = { username: 'till-a', password: 'pw-a-correct-1' };

/** One CONNECT from `localAddress`: 0 when accepted (then closed), else the CONNACK return code. */
function login(gw: TestGateway, localAddress: string, password: string): Promise<number> {
  const client = new MqttClient(
    () => createConnection({ host: '127.0.0.1', port: gw.gateway.mqttPort, localAddress }),
    { username: TILL.username, password, reconnectPeriod: 0, connectTimeout: 20_000, protocolVersion: 4 },
  );
  return new Promise((resolve, reject) => {
    client.once('connect', () => {
      client.end(true);
      resolve(0);
    });
    client.once('error', (err: Error & { code?: unknown }) => {
      client.end(true);
      typeof err.code === 'number' ? resolve(err.code) : reject(err);
    });
  });
}

function countOf(codes: number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const c of codes) out[c] = (out[c] ?? 0) + 1;
  return out;
}

/** A connected till that keeps sending requests and counts its answers, until stopped. */
async function busyTill(gw: TestGateway) {
  const till = await connect(gw.url, TILL);
  let sent = 0;
  let answered = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const answer = nextMessages(till, 'pos/A/response/gateway/test_scan');
      sent++;
      await till.publishAsync(
        'pos/A/request/gateway/test_scan',
        JSON.stringify({ transaction: `t-${sent}`, text: `4006381333931` }),
      );
      const [msg] = await answer;
      if (msg!.payload.status === 'ok') answered++;
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await till.endAsync();
      return { sent, answered };
    },
  };
}

test('a wrong-password flood from one address: 5 checked, the rest refused as not authorised; the right login from it refused while blocked, from other addresses accepted; a till is answered throughout', async (t) => {
  t.timeout(120_000);
  const gw = await startTestGateway({ config: { till_id: 'A' }, users: { [TILL.username]: TILL } });
  t.teardown(() => gw.stop());
  const till = await busyTill(gw);

  const codes: number[] = [];
  // 200 CONNECTs, 20 at a time: parallel attempts must not slip past the count either.
  for (let wave = 0; wave < 10; wave++) {
    codes.push(...(await Promise.all(Array.from({ length: 20 }, () => login(gw, '127.0.0.2', 'guess')))));
  }
  t.deepEqual(countOf(codes), { 4: 5, 5: 195 });
  t.deepEqual(codes.slice(0, 5), [4, 4, 4, 4, 4]);
  // Exactly five passwords were checked (the rest never reached scrypt), and the block said once.
  const refusals = gw.lines.map((l) => JSON.parse(l)).filter((l) => /mqtt login/.test(l.msg));
  t.is(refusals.filter((l) => l.reason === 'bad password').length, 5);
  const blocked = gw.lines.filter((l) => l.includes('blocked after repeated failures'));
  t.is(blocked.length, 1);
  t.regex(blocked[0]!, /"remote":"(::ffff:)?127\.0\.0\.2"/);
  t.false(
    gw.lines.some((l) => l.includes('guess') || l.includes(TILL.password)),
    'no password in a log line',
  );

  t.is(await login(gw, '127.0.0.2', TILL.password), 5, 'the right password from the blocked address');
  t.is(await login(gw, '127.0.0.3', TILL.password), 0);
  t.is(await login(gw, '127.0.0.1', TILL.password), 0);
  const { sent, answered } = await till.stop();
  t.true(sent > 0);
  t.is(answered, sent, 'every request of the connected till answered ok during the flood');
});

test('a good login clears its address: failures must be in a row to block it', async (t) => {
  t.timeout(60_000);
  const gw = await startTestGateway({ config: { till_id: 'A' }, users: { [TILL.username]: TILL } });
  t.teardown(() => gw.stop());
  const codes: number[] = [];
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 4; i++) codes.push(await login(gw, '127.0.0.4', 'typo'));
    codes.push(await login(gw, '127.0.0.4', TILL.password));
  }
  t.deepEqual(codes, [4, 4, 4, 4, 0, 4, 4, 4, 4, 0, 4, 4, 4, 4, 0]);
});

test('wrong passwords from many addresses at once: password checks are bounded, the overflow is refused at once as server unavailable, and a till keeps being answered', async (t) => {
  t.timeout(120_000);
  const gw = await startTestGateway({ config: { till_id: 'A' }, users: { [TILL.username]: TILL } });
  t.teardown(() => gw.stop());
  const till = await busyTill(gw);
  const addresses = Array.from({ length: 60 }, (_, i) => `127.0.1.${i + 1}`);
  const codes = await Promise.all(addresses.map((a) => login(gw, a, 'guess')));
  const counts = countOf(codes);
  t.deepEqual(Object.keys(counts).sort(), ['3', '4']);
  // One check runs and 16 wait: whatever arrives beyond that is refused unchecked.
  const checked = gw.lines.filter((l) => l.includes('"reason":"bad password"')).length;
  t.is(checked, counts[4] ?? 0);
  t.true(counts[3]! > 0, 'some refused as busy');
  t.is(gw.lines.filter((l) => l.includes('too many password checks at once')).length, 1);
  // Busy refusals do not count against an address: the right login from one of them works.
  t.is(await login(gw, addresses[59]!, TILL.password), 0);
  const { sent, answered } = await till.stop();
  t.is(answered, sent);
});
