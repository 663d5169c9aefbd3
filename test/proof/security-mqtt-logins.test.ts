// The login half of the MQTT security matrix (issue 12), from the tables in matrix/mqtt-acl.ts:
// every login right and wrong on both transports from loopback and a LAN address, client ids that
// belong to another till's login, and the demo mode's anonymous access (loopback only).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import mqtt from 'mqtt';
import { frameFromText } from '../../src/classify/frame.ts';
import { recorder, settled, startTestGateway } from '../helpers/gateway.ts';
import { LOGINS, TILLS, type Till, TRANSPORTS, type Transport } from './matrix/mqtt-acl.ts';
import { lanAddress, provisioned, refusal, show, tryLogin, urlOf } from './matrix/mqtt-rig.ts';
import { Tally } from './matrix/tally.ts';

test('MQTT logins on both transports, from loopback and the LAN: only the right password of a known till', async (t) => {
  t.timeout(180_000);
  const gw = await provisioned(t);
  const tally = new Tally('security', 'MQTT logins', 'login × transport × source address');
  const hashA = JSON.parse(readFileSync(join(gw.dataDir, 'config.json'), 'utf8')).mqtt.users[0].password_hash;
  const lan = lanAddress();
  t.truthy(lan, 'this machine has a non-loopback IPv4 address to connect from');
  for (const transport of TRANSPORTS) {
    for (const [source, host] of [
      ['loopback', '127.0.0.1'],
      ['LAN', lan!],
    ] as const) {
      for (const c of LOGINS) {
        const o = await tryLogin(urlOf(gw, transport, host), {
          username: c.username,
          password: c.password === '{hash-a}' ? hashA : c.password,
        });
        if (o.verdict === 'allowed') await o.client.endAsync();
        const expected = c.expect === 'allowed' ? 'allowed' : refusal(c.code!);
        tally.check(`${c.name} ${transport} ${source}`, expected, show(o));
      }
    }
  }
  tally.record();
  t.deepEqual(tally.failures, []);
});

test("a till cannot take over another till's client id: neither its connection nor its persistent session", async (t) => {
  t.timeout(60_000);
  const gw = await provisioned(t);
  const tally = new Tally('security', 'MQTT client ids', 'client id × login × transport');
  const login = (till: Till, transport: Transport, extra: mqtt.IClientOptions) =>
    tryLogin(urlOf(gw, transport), { username: till, password: TILLS[till].password, ...extra });
  for (const transport of TRANSPORTS) {
    // Online: till B reusing A's client id would end A's connection (MQTT session takeover).
    const a = await login('till-a', transport, { clientId: `pos-a-${transport}` });
    if (a.verdict !== 'allowed') throw new Error('till A cannot log in');
    let aClosed = false;
    a.client.on('close', () => {
      aClosed = true;
    });
    const b = await login('till-b', transport, { clientId: `pos-a-${transport}` });
    if (b.verdict === 'allowed') b.client.end(true);
    tally.check(`till-b with connected till-a's client id ${transport}`, refusal(2), show(b));
    // A round trip on A's connection after B's attempt: a takeover would have closed it by then.
    await recorder(a.client, 'pos/A/#')
      .then((rec) => settled(rec, 'A'))
      .catch(() => {});
    tally.confirm(
      `till-a stays connected ${transport}`,
      'no takeover',
      'connected',
      aClosed ? 'disconnected' : 'connected',
    );
    a.client.end(true);

    // Offline with a persistent session: what queued up for A must go to A only.
    const clientId = `pos-a-session-${transport}`;
    const away = await login('till-a', transport, { clientId, clean: false });
    if (away.verdict !== 'allowed') throw new Error('till A cannot log in');
    await away.client.subscribeAsync('pos/A/scan', { qos: 1 });
    await away.client.endAsync();
    const text = `queued-for-a-${transport}`;
    gw.gateway.scans.ingest({ deviceId: 'test', profile: 'test', transport: 'test' }, frameFromText(text));
    const thief = await collectOnConnect(urlOf(gw, transport), {
      username: 'till-b',
      password: TILLS['till-b'].password,
      clientId,
      clean: false,
    });
    tally.check(`till-b with till-a's persistent session ${transport}`, refusal(2), thief.outcome);
    tally.confirm(
      `till-b gets A's queued scan ${transport}`,
      "no queued message to another till's login",
      'no',
      thief.heard.some((p) => p.includes(text)) ? 'yes' : 'no',
    );
    const back = await collectOnConnect(urlOf(gw, transport), {
      username: 'till-a',
      password: TILLS['till-a'].password,
      clientId,
      clean: false,
      until: text,
    });
    tally.check(`till-a resumes its own session ${transport}`, 'allowed', back.outcome);
    tally.confirm(
      `till-a gets its queued scan ${transport}`,
      'the queue kept for its own till',
      'yes',
      back.heard.some((p) => p.includes(text)) ? 'yes' : 'no',
    );
  }
  tally.record();
  t.deepEqual(tally.failures, []);
});

/** Connects and records what arrives right after CONNACK (queued messages come before any await returns). */
async function collectOnConnect(
  url: string,
  opts: mqtt.IClientOptions & { until?: string },
): Promise<{ outcome: string; heard: string[] }> {
  const heard: string[] = [];
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  client.on('message', (_topic, payload) => heard.push(payload.toString()));
  const outcome = await new Promise<string>((resolve) => {
    client.once('connect', () => resolve('allowed'));
    client.once('error', (err) => resolve(refusal((err as Error & { code?: number }).code ?? err.message)));
  });
  if (outcome === 'allowed') {
    const until = opts.until;
    const start = Date.now();
    // With an awaited message: until it is heard, or the deadline. Without one, a round trip: the
    // broker writes a session's queue at CONNACK, before it answers the SUBSCRIBE sent after it
    // (refused or not), so nothing queued can still be on its way once the SUBACK is in.
    while (until !== undefined && !heard.some((p) => p.includes(until)) && Date.now() - start < 10_000)
      await new Promise((r) => setTimeout(r, 10));
    if (until === undefined) await client.subscribeAsync('round-trip/barrier', { qos: 1 }).catch(() => {});
  }
  client.end(true);
  return { outcome, heard };
}

test('demo mode: anonymous on loopback over TCP and WebSocket, nothing from the LAN', async (t) => {
  t.timeout(60_000);
  const gw = await startTestGateway({ config: { till_id: 'D', mqtt: { host: '0.0.0.0' } } });
  t.teardown(() => gw.stop());
  const tally = new Tally('security', 'MQTT demo mode', 'source address × transport');
  const lan = lanAddress();
  t.truthy(lan, 'this machine has a non-loopback IPv4 address to connect from');
  for (const transport of TRANSPORTS) {
    const local = await tryLogin(urlOf(gw, transport), {});
    if (local.verdict === 'allowed') await local.client.endAsync();
    tally.check(`anonymous ${transport} loopback`, 'allowed', show(local));
    const remote = await tryLogin(urlOf(gw, transport, lan!), { username: 'till-a', password: 'x' });
    if (remote.verdict === 'allowed') await remote.client.endAsync();
    tally.check(`anonymous ${transport} LAN`, refusal('ECONNREFUSED'), show(remote));
  }
  tally.record();
  t.deepEqual(tally.failures, []);
});
