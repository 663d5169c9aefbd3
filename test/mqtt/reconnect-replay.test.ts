// A till that reconnects while scans are being published hears every scan once, in `seq` order
// (DESIGN §1, §3): what was queued for it while it was away first, then the live ones, none twice,
// none ahead of the queue's end, however its subscriptions overlap. Real parts: the aedes broker on
// loopback with till logins, mqtt.js tills; scans published as the scan path publishes them (QoS 1,
// not retained, each without waiting for the one before).
//
// The race is narrow (the broker restores the session's subscriptions, then answers CONNACK, then
// sends what was queued), so each reconnect is met by a burst of scans, one every turn of the event
// loop, that starts as the broker begins restoring the session: when aedes asks its persistence for
// the session (`subscriptionsByClient`, a clean session: `cleanSubscriptions`), right after the
// login. The till leaves only once all it heard is acknowledged, so no scan comes again because it
// was never acknowledged (QoS 1 delivers those again, by design).
import { setImmediate as turn } from 'node:timers/promises';
import test from 'ava';
import mqtt, { type MqttClient } from 'mqtt';
import { waitUntil } from '../helpers/gateway.ts';
import { queueOf, type Rig, SCAN, sessionBroker, TILL } from '../helpers/session-till.ts';

const ID = 'till-1-pos';
/** Scans in the burst that meets each reconnect, and published while the till is away. */
const BURST = 150;
const AWAY = 20;

interface Shape {
  /** Topic filter → the QoS it is subscribed at. */
  subscriptions: Record<string, 0 | 1>;
  clean: boolean;
}

/** Numbered scans, published in bursts of one a turn; each burst can be awaited. */
function scans(rig: Rig) {
  let seq = 0;
  const published = new Set<Promise<void>>();
  let burst = Promise.resolve();
  const run = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const p = rig.broker.publish(SCAN, { seq: ++seq, text: `S${seq}` }, { qos: 1, retain: false });
      published.add(p);
      void p.finally(() => published.delete(p));
      await turn();
    }
  };
  return {
    get seq() {
      return seq;
    },
    burst(n: number) {
      burst = burst.then(() => run(n));
    },
    /** Every burst started is published and through the broker. */
    async done() {
      await burst;
      await Promise.all(published);
    },
  };
}

/** Runs `start` whenever aedes begins restoring (or cleaning) the till's session. */
function onSessionRestore(rig: Rig, start: () => void) {
  const store = rig.broker.sessions().persistence as Record<string, (client: { id: string }) => unknown>;
  for (const method of ['subscriptionsByClient', 'cleanSubscriptions']) {
    const original = store[method]!.bind(store);
    store[method] = (client) => {
      if (client.id === ID) start();
      return original(client);
    };
  }
}

/** Waits until the broker holds nothing unacknowledged for the till, or the till is cut off. */
async function acknowledged(rig: Rig, cutOff: () => boolean) {
  const start = Date.now();
  while (!cutOff() && (await queueOf(rig.broker, ID)) > 0) {
    if (Date.now() - start > 20_000) throw new Error('timed out waiting until the till acknowledged all');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Why aedes closed client connections (its `clientError`, logged at debug). */
const clientErrors = (rig: Rig) =>
  rig.logged('mqtt client error').map((l) => (l.error as { message: string }).message);

/**
 * `cycles` reconnects of one till with `shape`, each met by a burst of scans. Returns every `seq`
 * the till heard, in arrival order, and the ranges it must have heard in full.
 */
async function reconnects(t: any, shape: Shape, cycles: number) {
  const rig = await sessionBroker(t, { maxQueued: 1_000_000 });
  const pump = scans(rig);
  const heard: number[] = [];
  // What the till must hear: published after its SUBACK (a restored session: after its CONNACK)
  // while it is connected, and, with a persistent session at QoS 1, also while it is away.
  const due: [from: number, to: number][] = [];
  const queued = !shape.clean && Object.values(shape.subscriptions).includes(1);
  let client: MqttClient | undefined;
  t.teardown(() => client?.end(true));
  onSessionRestore(rig, () => pump.burst(BURST));
  for (let cycle = 0; cycle < cycles; cycle++) {
    client = mqtt.connect(rig.url, { ...TILL, clientId: ID, clean: shape.clean, reconnectPeriod: 0 });
    client.on('message', (_topic, payload) => heard.push(JSON.parse(payload.toString()).seq));
    let dropped = false;
    client.once('close', () => {
      dropped = true;
    });
    const connack = await new Promise<{ sessionPresent: boolean }>((resolve, reject) => {
      client!.once('connect', resolve);
      client!.once('error', reject);
    });
    t.is(connack.sessionPresent, cycle > 0 && !shape.clean, 'a persistent session is kept');
    if (!connack.sessionPresent) {
      await client.subscribeAsync(
        Object.fromEntries(Object.entries(shape.subscriptions).map(([filter, qos]) => [filter, { qos }])),
      );
    }
    const from = queued && cycle > 0 ? due[due.length - 1]![1] + 1 : pump.seq + 1;
    await pump.done();
    if (cycle === 0) {
      pump.burst(AWAY);
      await pump.done();
    }
    const to = pump.seq;
    due.push([from, to]);
    await waitUntil(() => heard.includes(to) || dropped, `the till heard scan ${to}`, 20_000);
    if (!shape.clean) await acknowledged(rig, () => dropped);
    if (dropped) {
      t.fail(
        `the broker closed the till's connection in reconnect ${cycle} (${clientErrors(rig).join(', ')})`,
      );
      break;
    }
    await client.endAsync();
    await waitUntil(() => rig.broker.clientCount() === 0, 'the broker saw the till leave');
    // Queued for a persistent session at QoS 1, lost for the others.
    pump.burst(AWAY);
    await pump.done();
  }
  return { heard, due };
}

/** Every `seq` heard at most once and in ascending order; every due one heard. */
function onceInOrder(t: any, { heard, due }: { heard: number[]; due: [number, number][] }) {
  const count = new Map<number, number>();
  for (const seq of heard) count.set(seq, (count.get(seq) ?? 0) + 1);
  const twice = [...count].filter(([, n]) => n > 1).map(([seq]) => seq);
  const overtaking = heard.filter((seq, i) => i > 0 && seq <= heard[i - 1]!);
  const missing = due.flatMap(([from, to]) =>
    Array.from({ length: to - from + 1 }, (_, i) => from + i).filter((seq) => !count.has(seq)),
  );
  t.deepEqual(twice, [], 'scans heard more than once');
  t.deepEqual(overtaking, [], 'scans that arrived after a later one');
  t.deepEqual(missing, [], 'scans never heard');
}

test('a persistent till subscribed to its whole base and to scans, reconnecting while scans are published, hears each scan once and in seq order', async (t) => {
  t.timeout(60_000);
  onceInOrder(t, await reconnects(t, { subscriptions: { 'pos/T1/#': 1, [SCAN]: 1 }, clean: false }, 20));
});

test('a persistent till subscribed to scans only, reconnecting while scans are published, hears each scan once and in seq order', async (t) => {
  t.timeout(60_000);
  onceInOrder(t, await reconnects(t, { subscriptions: { [SCAN]: 1 }, clean: false }, 20));
});

test('a persistent till subscribed to its whole base at QoS 0 and to scans at QoS 1 hears each scan once, in seq order, and leaves nothing unacknowledged', async (t) => {
  t.timeout(60_000);
  onceInOrder(t, await reconnects(t, { subscriptions: { 'pos/T1/#': 0, [SCAN]: 1 }, clean: false }, 10));
});

test('a persistent till subscribed twice over at QoS 0 hears each scan of its connections once, in seq order', async (t) => {
  t.timeout(60_000);
  onceInOrder(t, await reconnects(t, { subscriptions: { 'pos/T1/#': 0, [SCAN]: 0 }, clean: false }, 10));
});

test('a clean-session till subscribed twice over hears each scan of its connections once, in seq order', async (t) => {
  t.timeout(60_000);
  onceInOrder(t, await reconnects(t, { subscriptions: { 'pos/T1/#': 1, [SCAN]: 1 }, clean: true }, 10));
});

test('a persistent till subscribed twice over that reconnects while its old connection is still open (a network blip) loses no scan and hears none twice on one connection', async (t) => {
  t.timeout(60_000);
  const rig = await sessionBroker(t, { maxQueued: 1_000_000 });
  const pump = scans(rig);
  onSessionRestore(rig, () => pump.burst(BURST));
  const connections: number[][] = [];
  const connect = async () => {
    const heard: number[] = [];
    connections.push(heard);
    const client = mqtt.connect(rig.url, { ...TILL, clientId: ID, clean: false, reconnectPeriod: 0 });
    t.teardown(() => client.end(true));
    client.on('error', () => {});
    client.on('message', (_topic, payload) => heard.push(JSON.parse(payload.toString()).seq));
    await new Promise((resolve) => client.once('connect', resolve));
    return { client, heard };
  };
  const first = await connect();
  await first.client.subscribeAsync({ 'pos/T1/#': { qos: 1 }, [SCAN]: { qos: 1 } });
  const from = pump.seq + 1;
  let till = first;
  for (let takeover = 0; takeover < 10; takeover++) {
    // Scans flow on the old connection while the new one logs in and takes over.
    pump.burst(AWAY);
    till = await connect();
    await pump.done();
  }
  await waitUntil(() => till.heard.includes(pump.seq), 'the last connection heard the last scan', 20_000);
  await acknowledged(rig, () => false);

  const all = new Set(connections.flat());
  const lost = Array.from({ length: pump.seq - from + 1 }, (_, i) => from + i).filter((seq) => !all.has(seq));
  t.deepEqual(lost, [], 'scans no connection heard');
  for (const [i, heard] of connections.entries()) {
    t.deepEqual(
      heard.filter((seq, j) => j > 0 && seq <= heard[j - 1]!),
      [],
      `connection ${i}: scans heard twice or after a later one`,
    );
  }
  t.deepEqual(
    clientErrors(rig).filter((message) => message === 'no such packet'),
    [],
    'aedes found the queue as it expected',
  );
});
