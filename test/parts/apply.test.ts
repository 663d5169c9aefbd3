// Applying settings part-wise against the real parts (issue 9): a real gateway with its aedes
// broker, real mqtt.js tills, real provider simulators and a real Mosquitto as the ops broker.
// Settings are written as the page writes them (config/provision.ts) or as a technician edits the
// file, loaded as at start, and applied to the running gateway.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { loadConfig } from '../../src/config/load.ts';
import { type ProvisionPatch, provision } from '../../src/config/provision.ts';
import { SEED, type Simulator } from '../../src/loyalty/simulator/index.ts';
import type { ApplyPlan } from '../../src/parts/apply.ts';
import { RUN_MARKER } from '../../src/uplink/run-marker.ts';
import {
  collectingLogger,
  connect,
  nextMessages,
  recorder,
  type TestGateway,
  tempDir,
} from '../helpers/gateway.ts';
import { simulatorGateway, startSimulator } from '../helpers/simulator-gateway.ts';
import { turnover, tx } from '../loyalty/flows/_setup.ts';
import { box, opsBroker, until, uplinkConfig, watch } from '../uplink/_rig.ts';

const T1 = box('B1', 'T1');
const TILL = { username: 'till-1', password: 'till-1-password' };

/** The gateway with the till's login; the outbox keeps the fast retries whatever `config` says. */
const gateway = (t: any, sim: Simulator, config: Record<string, any> = {}, secrets = {}, dataDir?: string) =>
  simulatorGateway(t, sim, {
    dataDir,
    config,
    provider: config.provider,
    secrets,
    users: { [TILL.username]: { password: TILL.password } },
  });

/** A till logged in, counting how often its connection dropped. */
async function till(t: any, gw: TestGateway, login = TILL) {
  const client = await connect(gw.url, login);
  client.on('error', () => {});
  t.teardown(() => client.endAsync(true));
  const drops = { count: 0 };
  client.on('close', () => drops.count++);
  const responses = await recorder(client, 'pos/T1/response/#');
  const events = await recorder(client, 'pos/T1/event/#');
  return { client, drops, responses, events };
}

const answersTo = (rec: Awaited<ReturnType<typeof recorder>>, transaction: string) =>
  rec.messages.filter((m) => m.payload?.transaction === transaction);

const target = (gw: TestGateway) => ({
  configPath: join(gw.dataDir, 'config.json'),
  dataDir: gw.dataDir,
  env: {},
  logger: collectingLogger().logger,
});

/** What the page does: validate and write through the config store, then apply the files. */
async function provisionAndApply(gw: TestGateway, patch: ProvisionPatch): Promise<ApplyPlan> {
  const written = await provision(target(gw), patch);
  if (!written.ok) throw new Error(JSON.stringify(written.problems));
  return gw.gateway.apply(await loadConfig(target(gw)));
}

/** A technician editing the config file by hand; returns the loaded result to apply. */
async function editConfig(gw: TestGateway, edit: (c: Record<string, any>) => void) {
  const file = join(gw.dataDir, 'config.json');
  const config = JSON.parse(readFileSync(file, 'utf8'));
  edit(config);
  writeFileSync(file, JSON.stringify(config));
  return loadConfig(target(gw));
}

/** An apply is routine: it logs no error (a warning only where the outbox abandons a delivery). */
const errors = (gw: TestGateway) =>
  gw.lines
    .map((l) => JSON.parse(l))
    .filter((l) => l.level === 'error')
    .map((l) => `${l.part}: ${l.msg} ${l.error?.message ?? ''}`);

const applied = (gw: TestGateway) =>
  gw.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'settings applied');

test('a new provider URL and key: the till stays connected, ops never see offline, the queued turnover goes to the new provider once', async (t) => {
  t.timeout(90_000);
  const [oldSim, newSim] = [await startSimulator(t), await startSimulator(t)];
  oldSim.faults.set({ outage: true });
  const ops = await opsBroker(t, [T1]);
  const live = await watch(t, ops);
  const gw = await gateway(
    t,
    oldSim,
    { provider: { booking_window_ms: 300 }, uplink: uplinkConfig(ops) },
    { uplink: { password: T1.password } },
  );
  await live.rec.until((m) => m.topic === 'edge/B1/T1/state' && m.payload.state === 'online', 10_000);
  const pos = await till(t, gw);
  // The technician's page is open: its live feed must not drop either.
  const feed = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/events`);
  const reader = feed.body!.getReader();
  let feedEnded = false;
  void (async () => {
    while (!(await reader.read()).done);
    feedEnded = true;
  })().catch(() => {
    feedEnded = true;
  });
  t.teardown(() => reader.cancel().catch(() => {}));

  const queued = tx('queued');
  pos.client.publish('pos/T1/request/loyalty/turnover', JSON.stringify(turnover(queued)), { qos: 1 });
  const first = await pos.responses.until((m) => m.payload.transaction === queued, 15_000);
  t.is(first.payload.data.state, 'queued');
  t.is(gw.gateway.loyalty.health().outbox.depth, 1);

  const plan = await provisionAndApply(gw, { 'provider.url': newSim.url, 'provider.api_key': SEED.apiKey });
  t.like(plan, { kind: 'parts', restart: ['loyalty', 'info'] });
  t.like(applied(gw).at(-1), { restarted: ['loyalty', 'info'], changed: ['provider.url'] });

  const booked = await pos.events.until((m) => m.payload.transaction === queued, 15_000);
  t.is(booked.topic, 'pos/T1/event/loyalty/booked');
  await until('the outbox emptied', () => gw.gateway.loyalty.health().outbox.depth === 0);
  const purchases = (sim: Simulator) =>
    sim.ledger.effects().filter((e) => e.kind === 'purchase' && e.transaction_id === queued).length;
  t.is(purchases(newSim), 1, 'delivered to the new provider');
  t.is(purchases(oldSim), 0);
  t.is(answersTo(pos.responses, queued).length, 1);
  t.is(answersTo(pos.events, queued).length, 1);

  t.is(pos.drops.count, 0, 'the till never lost its connection');
  t.true(pos.client.connected);
  const states = live.rec.messages.filter((m) => m.topic === 'edge/B1/T1/state').map((m) => m.payload.state);
  t.deepEqual(states, ['online'], 'ops saw no offline');
  t.false(feedEnded, "the technician's live feed stayed open");
  // The page reads the new loyalty service, not the one that stopped.
  const status = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/status`).then((r) => r.json());
  t.is(status.health.outbox.depth, 0);
  t.is(status.health.cloud.state, 'up');
  t.deepEqual(errors(gw), []);
});

test('new till logins restart the broker only: the old login is refused, the new one accepted, retained state kept, the uplink untouched', async (t) => {
  t.timeout(90_000);
  const sim = await startSimulator(t);
  const ops = await opsBroker(t, [T1]);
  const live = await watch(t, ops);
  const gw = await gateway(t, sim, { uplink: uplinkConfig(ops) }, { uplink: { password: T1.password } });
  await live.rec.until((m) => m.topic === 'edge/B1/T1/state' && m.payload.state === 'online', 10_000);
  const port = gw.gateway.mqttPort;
  const old = await till(t, gw);
  const dropped = new Promise<void>((resolve) => old.client.once('close', () => resolve()));

  const next = { username: 'till-2', password: 'till-2-password' };
  const plan = await provisionAndApply(gw, { 'mqtt.users': [next] });
  t.like(plan, { kind: 'parts', restart: ['broker', 'info'] });
  await dropped;
  t.is(gw.gateway.mqttPort, port, 'the broker is back on the port the tills know');

  const refused = await connect(gw.url, TILL).then(
    async (c) => {
      await c.endAsync(true);
      return 'accepted';
    },
    (err: Error) => err.message,
  );
  t.regex(refused, /Bad username or password|Not authorized/i);
  const fresh = await till(t, gw, next);
  // Retained messages outlived the broker: a till connecting now is told the box is online.
  const [state] = await nextMessages(fresh.client, 'pos/T1/gateway/state');
  t.like(state, { retain: true, payload: { state: 'online' } });
  const transaction = tx('scan');
  fresh.client.publish(
    'pos/T1/request/gateway/test_scan',
    JSON.stringify({ transaction, text: '4006381333931' }),
  );
  await fresh.responses.until((m) => m.payload.transaction === transaction, 10_000);
  t.is(answersTo(fresh.responses, transaction).length, 1);

  const states = live.rec.messages.filter((m) => m.topic === 'edge/B1/T1/state').map((m) => m.payload.state);
  t.deepEqual(states, ['online'], 'the uplink did not restart');
  const status = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/status`).then((r) => r.json());
  t.like(status.ops, { state: 'up', connects: 1 });
  t.deepEqual(errors(gw), []);
});

test('an uplink change restarts only the uplink: offline on the old ops broker, online on the new, the till stays', async (t) => {
  t.timeout(90_000);
  const sim = await startSimulator(t);
  const [opsA, opsB] = [await opsBroker(t, [T1]), await opsBroker(t, [T1])];
  const [liveA, liveB] = [await watch(t, opsA), await watch(t, opsB)];
  // The run before this one crashed: ops hear of it once, from this run's first uplink.
  const dataDir = tempDir();
  writeFileSync(join(dataDir, RUN_MARKER), JSON.stringify({ pid: 1, started_at: '2026-11-30T08:00:00Z' }));
  const gw = await gateway(
    t,
    sim,
    { uplink: uplinkConfig(opsA) },
    { uplink: { password: T1.password } },
    dataDir,
  );
  await liveA.rec.until((m) => m.topic === 'edge/B1/T1/state' && m.payload.state === 'online', 10_000);
  await liveA.rec.until((m) => m.topic === 'edge/B1/T1/events' && m.payload.code === 'restarted_after_crash');
  // Sampled once at start; the new uplink must get it without waiting for the next sample.
  await liveA.rec.until((m) => m.topic === 'edge/B1/T1/inventory', 30_000);
  const pos = await till(t, gw);

  const plan = await provisionAndApply(gw, { 'uplink.url': opsB.url });
  t.like(plan, { kind: 'parts', restart: ['uplink', 'info'] });
  await liveA.rec.until((m) => m.topic === 'edge/B1/T1/state' && m.payload.state === 'offline', 10_000);
  await liveB.rec.until((m) => m.topic === 'edge/B1/T1/state' && m.payload.state === 'online', 10_000);
  await liveB.rec.until((m) => m.topic === 'edge/B1/T1/health', 10_000);
  await liveB.rec.until((m) => m.topic === 'edge/B1/T1/inventory', 10_000);
  // No second "restarted after a crash" for an apply: there was no crash.
  t.false(liveB.rec.messages.some((m) => m.topic === 'edge/B1/T1/events'));
  t.is(pos.drops.count, 0);
  const status = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/status`).then((r) => r.json());
  t.like(status.ops, { state: 'up', url: opsB.url });
  t.deepEqual(errors(gw), []);
});

test('a request in flight during an apply and one sent while it runs each get exactly one answer, none unavailable', async (t) => {
  t.timeout(90_000);
  const sim = await startSimulator(t);
  // Slow enough that the outbox stops with the first delivery still running.
  sim.faults.set({ latencyMs: 1500 });
  const gw = await gateway(t, sim, { provider: { booking_window_ms: 10_000, timeout_ms: 5000 } });
  const pos = await till(t, gw);
  const inFlight = tx('inflight');
  pos.client.publish('pos/T1/request/loyalty/turnover', JSON.stringify(turnover(inFlight)), { qos: 1 });
  await until('the delivery is in flight', () => gw.gateway.loyalty.dispatcher.state().inflight === 1);

  const next = await editConfig(gw, (c) => {
    c.provider.timeout_ms = 4000;
  });
  const applying = gw.gateway.apply(next);
  const during = tx('during');
  pos.client.publish('pos/T1/request/loyalty/turnover', JSON.stringify(turnover(during)), { qos: 1 });
  t.like(await applying, { kind: 'parts', restart: ['loyalty', 'info'] });

  for (const transaction of [inFlight, during]) {
    const answer = await pos.responses.until((m) => m.payload.transaction === transaction, 20_000);
    t.is(answer.payload.error, undefined, `${transaction}: ${JSON.stringify(answer.payload.error)}`);
  }
  sim.faults.clear();
  await until('both delivered', () => gw.gateway.loyalty.health().outbox.depth === 0, 30_000);
  const purchases = (transaction: string) =>
    sim.ledger.effects().filter((e) => e.kind === 'purchase' && e.transaction_id === transaction).length;
  t.is(purchases(inFlight), 1, 'booked once, though resent after the restart');
  t.is(purchases(during), 1);
  for (const transaction of [inFlight, during]) {
    // One answer; a `queued` answer is followed by exactly one outcome event, a booked one by none.
    const [answer, ...more] = answersTo(pos.responses, transaction);
    t.deepEqual(more, [], transaction);
    const queued = answer!.payload.data.state === 'queued';
    if (queued) await pos.events.until((m) => m.payload.transaction === transaction, 15_000);
    t.is(answersTo(pos.events, transaction).length, queued ? 1 : 0, transaction);
  }
  // Nothing more comes for either: the same counts once the till has heard the gateway's next message.
  const marker = tx('marker');
  pos.client.publish('pos/T1/request/gateway/test_scan', JSON.stringify({ transaction: marker, text: 'x' }));
  await pos.responses.until((m) => m.payload.transaction === marker, 10_000);
  for (const transaction of [inFlight, during]) t.is(answersTo(pos.responses, transaction).length, 1);
  t.deepEqual(errors(gw), []);
});

test('a setting read by every part (the till id) is left to the caller: apply restarts nothing and says so', async (t) => {
  t.timeout(60_000);
  const sim = await startSimulator(t);
  const gw = await gateway(t, sim);
  const pos = await till(t, gw);
  const next = await editConfig(gw, (c) => {
    c.till_id = 'T2';
  });
  t.like(await gw.gateway.apply(next), { kind: 'whole', reason: 'till_id changed' });
  t.is(gw.gateway.base, 'pos/T1');
  t.deepEqual(applied(gw), []);
  t.is(pos.drops.count, 0);
  t.deepEqual(errors(gw), []);
});
