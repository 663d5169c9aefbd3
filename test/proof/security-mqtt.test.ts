// The MQTT half of the security matrix (issue 12), from the tables in matrix/mqtt-acl.ts, against a
// real provisioned gateway (till A, a login for A and one for till B) over TCP and WebSocket with
// real mqtt.js clients: every till × transport × topic × publish/subscribe cell, every login, the
// retained catalogue, and the demo mode's anonymous access (loopback only).
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import mqtt, { type MqttClient } from 'mqtt';
import { frameFromText } from '../../src/classify/frame.ts';
import {
  connect,
  recorder,
  settled,
  startTestGateway,
  type TestGateway,
  waitUntil,
} from '../helpers/gateway.ts';
import {
  BASE_FILTERS,
  BASE_TOPICS,
  GLOBAL_FILTERS,
  GLOBAL_TOPICS,
  LOGINS,
  TILL_NAMES,
  TILLS,
  type Till,
  TRANSPORTS,
  type Transport,
  type Verdict,
} from './matrix/mqtt-acl.ts';
import { Tally } from './matrix/tally.ts';

async function provisioned(t: ExecutionContext): Promise<TestGateway> {
  const gw = await startTestGateway({
    // On every interface, so that logins from a LAN address are part of the matrix too.
    config: { till_id: 'A', branch_id: 'B1', mqtt: { host: '0.0.0.0', ws_port: 0 } },
    users: {
      'till-a': { password: TILLS['till-a'].password },
      'till-b': { password: TILLS['till-b'].password, till_id: TILLS['till-b'].till_id },
    },
  });
  t.teardown(() => gw.stop());
  return gw;
}

function urlOf(gw: TestGateway, transport: Transport, host = '127.0.0.1'): string {
  return transport === 'tcp'
    ? `mqtt://${host}:${gw.gateway.mqttPort}`
    : `ws://${host}:${gw.gateway.mqttWsPort}/mqtt`;
}

/** A non-loopback IPv4 address of this machine, to connect "from the LAN". */
function lanAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

type Observed = { verdict: 'allowed'; client: MqttClient } | { verdict: 'refused'; why: string };

async function tryLogin(url: string, opts: mqtt.IClientOptions): Promise<Observed> {
  try {
    return { verdict: 'allowed', client: await connect(url, opts) };
  } catch (err) {
    const e = err as Error & { code?: number | string };
    return { verdict: 'refused', why: String(e.code ?? e.message) };
  }
}

const show = (o: Observed) => (o.verdict === 'allowed' ? 'allowed' : `refused (${o.why})`);

async function subscribeVerdict(client: MqttClient, filter: string): Promise<string> {
  try {
    const granted = await client.subscribeAsync(filter, { qos: 1 });
    const qos = granted[0]?.qos;
    return qos === 1 ? 'allowed' : qos === 128 ? 'refused' : `granted qos ${qos}`;
  } catch (err) {
    return /Subscribe error/.test((err as Error).message) ? 'refused' : `error ${(err as Error).message}`;
  }
}

/** A till's publishes at both QoS levels tills use. */
const QOS = [0, 1] as const;

const markerOf = (m: { payload: any }) => (typeof m.payload === 'object' ? m.payload?.marker : undefined);

test('MQTT ACL: every till × transport × topic × publish/subscribe cell as DESIGN §3 says, nothing refused has an effect', async (t) => {
  t.timeout(300_000);
  const gw = await provisioned(t);
  const tally = new Tally('security', 'MQTT ACL (TCP and WebSocket)', 'till × transport × topic × action');
  const clients: MqttClient[] = [];
  t.teardown(() => {
    for (const c of clients) c.end(true);
  });
  const as = async (till: Till, transport: Transport) => {
    const c = await connect(urlOf(gw, transport), { username: till, password: TILLS[till].password });
    clients.push(c);
    return c;
  };
  // One watcher per base hears everything below it: the echo of an accepted publish, and anything a
  // refused one would have caused (a scan, an answer, a replaced retained message).
  const watch = {
    'till-a': await recorder(await as('till-a', 'tcp'), 'pos/A/#'),
    'till-b': await recorder(await as('till-b', 'tcp'), 'pos/B/#'),
  };
  const barrier = async () => {
    await settled(watch['till-a'], 'A');
    // No gateway answers on B: the watcher's own request, heard back, is the barrier there.
    const marker = `barrier-b-${Date.now()}`;
    watch['till-b'].client.publish('pos/B/request/barrier', JSON.stringify({ marker }), { qos: 0 });
    await watch['till-b'].until((m) => markerOf(m) === marker, 10_000);
  };

  const published: {
    cell: string;
    topic: string;
    marker: string;
    expect: Verdict;
    closed: boolean;
    ack: boolean;
  }[] = [];
  let seq = 0;
  for (const transport of TRANSPORTS) {
    for (const till of TILL_NAMES) {
      const own = TILLS[till].base;
      const other = TILLS[TILL_NAMES.find((x) => x !== till)!].base;
      const name = (action: string, topic: string) => `${till} ${transport} ${action} ${topic}`;

      // Subscriptions, then traffic on both bases: a refused subscription must deliver nothing.
      const sub = await as(till, transport);
      const heard: string[] = [];
      sub.on('message', (topic) => heard.push(topic));
      const filters = [
        ...BASE_TOPICS.map((r) => ({ filter: `${own}/${r.rel}`, expect: r.subscribe })),
        ...BASE_FILTERS.map((r) => ({ filter: `${own}/${r.rel}`, expect: r.subscribe })),
        ...BASE_TOPICS.map((r) => ({ filter: `${other}/${r.rel}`, expect: 'refused' as const })),
        ...BASE_FILTERS.map((r) => ({ filter: `${other}/${r.rel}`, expect: 'refused' as const })),
        ...GLOBAL_FILTERS.map((filter) => ({ filter, expect: 'refused' as const })),
      ];
      for (const f of filters)
        tally.check(name('subscribe', f.filter), f.expect, await subscribeVerdict(sub, f.filter));
      gw.gateway.scans.ingest(
        { deviceId: 'test', profile: 'test', transport: 'test' },
        frameFromText(`acl-scan-${transport}-${till}`),
      );
      await barrier();
      // The till's own request, heard back, comes after anything the broker routed to it before.
      const mine = `acl-sub-${++seq}`;
      const heardBack = echoOf(sub, `${own}/request/gateway/test_scan`, mine);
      sub.publish(
        `${own}/request/gateway/test_scan`,
        JSON.stringify({ transaction: mine, text: mine, marker: mine }),
        {
          qos: 1,
        },
      );
      await heardBack.promise;
      const foreign = heard.filter((topic) => !topic.startsWith(`${own}/`));
      tally.check(
        name('hears only its own base', `(${heard.length} messages)`),
        'nothing foreign',
        foreign.length === 0 ? 'nothing foreign' : 'foreign messages',
        foreign.slice(0, 3).join(', '),
      );

      // Publishes: an accepted one keeps the connection; a refused one closes it (aedes).
      const targets = [
        ...BASE_TOPICS.map((r) => ({
          topic: `${own}/${r.rel}`,
          expect: r.publish,
          retain: r.retained === true,
        })),
        ...BASE_TOPICS.map((r) => ({
          topic: `${other}/${r.rel}`,
          expect: 'refused' as const,
          retain: r.retained === true,
        })),
        ...GLOBAL_TOPICS.map((topic) => ({ topic, expect: 'refused' as const, retain: false })),
      ].flatMap((target) => QOS.map((qos) => ({ ...target, qos })));
      let pub = await as(till, transport);
      for (const target of targets) {
        const marker = `acl-${++seq}`;
        const client = pub;
        let closed = false;
        const onClose = new Promise<void>((resolve) =>
          client.once('close', () => {
            closed = true;
            resolve();
          }),
        );
        const watcher = target.topic.startsWith('pos/A/')
          ? watch['till-a'].client
          : target.topic.startsWith('pos/B/')
            ? watch['till-b'].client
            : undefined;
        const echo = echoOf(watcher, target.topic, marker);
        const payload = JSON.stringify({ transaction: marker, text: marker, state: 'offline', marker });
        const acked = client
          .publishAsync(target.topic, payload, { qos: target.qos, retain: target.retain })
          .then(
            () => true,
            () => false,
          );
        // Delivered to the watcher, or the connection closed (aedes closes on a refused publish).
        await Promise.race([onClose, echo.promise]);
        echo.cancel();
        await tick(); // a close on its way after an echo would still count
        // An accepted QoS 1 publish is acknowledged (a request once answered: src/mqtt/acks.ts).
        const ack = closed ? false : await Promise.race([acked, deadline(10_000)]);
        published.push({
          cell: name(`publish qos ${target.qos}`, target.topic),
          topic: target.topic,
          marker,
          expect: target.expect,
          closed,
          ack,
        });
        if (closed) pub = await as(till, transport);
      }
    }
  }

  await barrier();
  const everything = [...watch['till-a'].messages, ...watch['till-b'].messages];
  for (const p of published) {
    const effects = everything.filter((m) => JSON.stringify(m.payload).includes(`"${p.marker}"`));
    const echoes = effects.filter((m) => m.topic === p.topic && markerOf(m) === p.marker).length;
    const observed =
      !p.closed && echoes === 1 && p.ack
        ? 'allowed'
        : p.closed && effects.length === 0
          ? 'refused'
          : 'inconsistent';
    tally.check(p.cell, p.expect, observed, `closed ${p.closed}, acked ${p.ack}, ${effects.length} effects`);
  }
  // Each accepted request was answered exactly once; no refused one was answered at all.
  for (const p of published.filter((x) => x.topic.startsWith('pos/A/request/'))) {
    const answers = watch['till-a'].messages.filter(
      (m) => m.topic.startsWith('pos/A/response/') && m.payload?.transaction === p.marker,
    ).length;
    tally.check(
      `${p.cell}: answers`,
      p.expect === 'allowed' ? '1 answer' : '0 answers',
      answers === 1 ? '1 answer' : `${answers} answers`,
    );
  }

  tally.record();
  t.deepEqual(tally.failures, []);
  t.true(tally.cells > 250, `${tally.cells} cells`);
});

const deadline = (ms: number) => new Promise<false>((resolve) => setTimeout(() => resolve(false), ms));

/** A short pause after I/O: a close already on its way arrives first. */
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 50));

/** The first message with `marker` on `topic` at `watcher`; a topic no watcher hears waits out the deadline. */
function echoOf(watcher: MqttClient | undefined, topic: string, marker: string, timeoutMs = 10_000) {
  let cancel = () => {};
  const promise = new Promise<void>((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    const onMessage = (t: string, payload: Buffer) => {
      if (t === topic && payload.includes(`"marker":"${marker}"`)) done();
    };
    function done() {
      clearTimeout(timer);
      watcher?.off('message', onMessage);
      resolve();
    }
    watcher?.on('message', onMessage);
    cancel = done;
  });
  return { promise, cancel };
}

test('retained topics: a till cannot replace the gateway catalogue, and a retained request is not kept', async (t) => {
  t.timeout(60_000);
  const gw = await provisioned(t);
  const tally = new Tally('security', 'MQTT retained catalogue', 'retained topic × till');
  const a = await connect(gw.url, { username: 'till-a', password: TILLS['till-a'].password });
  t.teardown(() => a.end(true));
  const calls = await recorder(a, 'pos/A/response/#');
  // A retained request is answered like any other, but must not be replayed to later subscribers.
  await a.publishAsync(
    'pos/A/request/gateway/test_scan',
    JSON.stringify({ transaction: 'kept?', text: 'kept?' }),
    {
      qos: 1,
      retain: true,
    },
  );
  await calls.until((m) => m.payload.transaction === 'kept?');
  for (const till of TILL_NAMES) {
    for (const r of BASE_TOPICS.filter((x) => x.retained)) {
      for (const base of [TILLS['till-a'].base, TILLS['till-b'].base]) {
        const c = await connect(gw.url, { username: till, password: TILLS[till].password });
        const closed = new Promise<boolean>((resolve) => c.once('close', () => resolve(true)));
        c.publish(`${base}/${r.rel}`, JSON.stringify({ state: 'offline', marker: 'forged' }), {
          qos: 1,
          retain: true,
        });
        tally.check(`${till} retains ${base}/${r.rel}`, 'refused', (await closed) ? 'refused' : 'allowed');
        c.end(true);
      }
    }
  }
  // What a till subscribing now gets as retained: exactly the gateway's catalogue.
  for (const till of TILL_NAMES) {
    const fresh = await connect(gw.url, { username: till, password: TILLS[till].password });
    t.teardown(() => fresh.end(true));
    const retained: { topic: string; payload: string }[] = [];
    fresh.on('message', (topic, payload, packet) => {
      if (packet.retain) retained.push({ topic, payload: payload.toString() });
    });
    const expected =
      till === 'till-a'
        ? ['pos/A/devices', 'pos/A/gateway/health', 'pos/A/gateway/info', 'pos/A/gateway/state']
        : [];
    const rec = await recorder(fresh, `${TILLS[till].base}/#`);
    // Retained messages come on their own path after the SUBACK: wait for the catalogue, then a
    // barrier for anything more.
    await waitUntil(() => expected.every((e) => retained.some((m) => m.topic === e)), 'the catalogue').catch(
      () => {},
    );
    if (till === 'till-a') await settled(rec, 'A');
    else {
      // No gateway answers on B: the till's own request, heard back, comes after the retained ones.
      await fresh.publishAsync('pos/B/request/barrier', JSON.stringify({ marker: 'b' }), { qos: 0 });
      await rec.until((m) => m.topic === 'pos/B/request/barrier');
    }
    const topics = retained.map((m) => m.topic).sort();
    tally.check(`${till}: retained topics`, expected.join(' ') || 'none', topics.join(' ') || 'none');
    tally.check(
      `${till}: retained payloads`,
      "the gateway's",
      retained.some((m) => m.payload.includes('forged') || m.payload.includes('kept?'))
        ? 'forged'
        : "the gateway's",
    );
    const state = retained.find((m) => m.topic.endsWith('/gateway/state'));
    if (till === 'till-a') tally.check('till-a: state', '{"state":"online"}', state?.payload ?? 'none');
  }
  tally.record();
  t.deepEqual(tally.failures, []);
});

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
        const expected = c.expect === 'allowed' ? 'allowed' : `refused (${c.code})`;
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
    tally.check(`till-b with connected till-a's client id ${transport}`, 'refused (2)', show(b));
    // A round trip on A's connection after B's attempt: a takeover would have closed it by then.
    await recorder(a.client, 'pos/A/#')
      .then((rec) => settled(rec, 'A'))
      .catch(() => {});
    tally.check(`till-a stays connected ${transport}`, 'connected', aClosed ? 'disconnected' : 'connected');
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
    tally.check(`till-b with till-a's persistent session ${transport}`, 'refused (2)', thief.outcome);
    tally.check(
      `till-b gets A's queued scan ${transport}`,
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
    tally.check(
      `till-a gets its queued scan ${transport}`,
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
    client.once('error', (err) =>
      resolve(`refused (${(err as Error & { code?: number }).code ?? err.message})`),
    );
  });
  if (outcome === 'allowed') {
    const until = opts.until;
    const start = Date.now();
    // Without an awaited message, a round trip: anything queued was written before the PINGRESP... or the deadline.
    while (until !== undefined && !heard.some((p) => p.includes(until)) && Date.now() - start < 10_000)
      await new Promise((r) => setTimeout(r, 10));
    if (until === undefined) await new Promise((r) => setTimeout(r, 300));
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
    tally.check(`anonymous ${transport} LAN`, 'refused (ECONNREFUSED)', show(remote));
  }
  tally.record();
  t.deepEqual(tally.failures, []);
});
