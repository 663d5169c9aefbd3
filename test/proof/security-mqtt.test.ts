// The MQTT half of the security matrix (issue 12), from the tables in matrix/mqtt-acl.ts, against a
// real provisioned gateway (till A, a login for A and one for till B) over TCP and WebSocket with
// real mqtt.js clients: every till × transport × topic × publish/subscribe cell, and the retained
// catalogue. The logins are in security-mqtt-logins.test.ts.
import test from 'ava';
import type { MqttClient } from 'mqtt';
import { frameFromText } from '../../src/classify/frame.ts';
import { connect, recorder, settled, waitUntil } from '../helpers/gateway.ts';
import {
  BASE_FILTERS,
  BASE_TOPICS,
  GLOBAL_FILTERS,
  GLOBAL_TOPICS,
  TILL_NAMES,
  TILLS,
  type Till,
  TRANSPORTS,
  type Transport,
  type Verdict,
} from './matrix/mqtt-acl.ts';
import { provisioned, urlOf } from './matrix/mqtt-rig.ts';
import { Tally } from './matrix/tally.ts';

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
      tally.confirm(
        name('hears only its own base', `(${heard.length} messages)`),
        'refused subscriptions deliver nothing',
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
        // A close on its way after the echo would still count: the broker handles one client's
        // packets in order, so a refused publish has closed the connection before this SUBACK.
        if (!closed) await client.subscribeAsync(`${own}/round-trip`, { qos: 0 }).catch(() => {});
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
    tally.confirm(
      `${p.cell}: answers`,
      'answered once if accepted, else never',
      p.expect === 'allowed' ? '1 answer' : '0 answers',
      answers === 1 ? '1 answer' : `${answers} answers`,
    );
  }

  tally.record();
  t.deepEqual(tally.failures, []);
  t.true(tally.cells > 250, `${tally.cells} cells`);
});

const deadline = (ms: number) => new Promise<false>((resolve) => setTimeout(() => resolve(false), ms));

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
    tally.confirm(
      `${till}: retained topics`,
      'catalogue intact',
      expected.join(' ') || 'none',
      topics.join(' ') || 'none',
    );
    tally.confirm(
      `${till}: retained payloads`,
      'catalogue intact',
      "the gateway's",
      retained.some((m) => m.payload.includes('forged') || m.payload.includes('kept?'))
        ? 'forged'
        : "the gateway's",
    );
    const state = retained.find((m) => m.topic.endsWith('/gateway/state'));
    if (till === 'till-a')
      tally.confirm('till-a: state', 'catalogue intact', '{"state":"online"}', state?.payload ?? 'none');
  }
  tally.record();
  t.deepEqual(tally.failures, []);
});
