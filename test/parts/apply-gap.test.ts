// Requests that reach the box while an apply changes the router's own setting (DESIGN §3: exactly
// one answer to every request, never a lost or doubled booking). `mqtt.max_payload_bytes` used to
// stop the router and its subscription and start new ones; a request that arrived in between heard
// nothing at all (no subscriber on the request topics: a QoS 0 request was gone, a QoS 1 one never
// got its PUBACK, so the till's client never resent it either), and one that arrived after loyalty
// stopped but before the old router's subscription ended was answered `unavailable`. Here the apply
// is held at the start of the first part it starts again, when every stop it makes is done, and a
// burst of requests at both QoS levels arrives then; a second test sends a free-running burst
// across two applies, for the timing nobody placed.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import type { MqttClient } from 'mqtt';
import { loadConfig } from '../../src/config/load.ts';
import { type Gateway, PARTS, startGateway } from '../../src/gateway.ts';
import type { Part } from '../../src/parts/part.ts';
import { withDeadline } from '../helpers/deadline.ts';
import {
  collectingLogger,
  connect,
  type Recorder,
  recorder,
  STOP_DEADLINE_MS,
  tempDir,
  waitUntil,
} from '../helpers/gateway.ts';
import { gatedParts, partGate } from '../helpers/part-gate.ts';
import { turnover, tx } from '../loyalty/flows/_setup.ts';

const BASE = 'pos/T1';
const ANSWER_DEADLINE_MS = 30_000;

// Every part's start but the broker's waits at the gate while it is closed: the apply is held at
// the first part it starts again, once every stop it makes is done.
const gated = (name: string) => name !== 'broker';

async function demoGateway(t: any, parts: Part[]) {
  const { logger, lines } = collectingLogger();
  const dataDir = tempDir();
  const configPath = join(dataDir, 'config.json');
  const config = { till_id: 'T1', mqtt: { port: 0, ws_port: 0 }, http: { port: 0 }, devices: { hid: false } };
  writeFileSync(configPath, JSON.stringify(config));
  const load = () => loadConfig({ configPath, dataDir, env: {}, logger });
  const gw = await startGateway({ config: await load(), logger }, parts);
  t.teardown(() => withDeadline(gw.stop(), STOP_DEADLINE_MS, () => `stop: ${lines.slice(-5).join('\n')}`));
  /** MQTT settings changed in the file, applied part-wise. */
  const nextWith = async (mqtt: Record<string, unknown>) => {
    writeFileSync(configPath, JSON.stringify({ ...config, mqtt: { ...config.mqtt, ...mqtt } }));
    const next = await load();
    t.like(gw.plan(next), { kind: 'parts' });
    return next;
  };
  /** The router's own setting, the request size limit, changed in the file. */
  const nextWithLimit = (maxPayloadBytes: number) => nextWith({ max_payload_bytes: maxPayloadBytes });
  return { gw, lines, nextWith, nextWithLimit };
}

async function till(t: any, gw: Gateway): Promise<{ client: MqttClient; responses: Recorder }> {
  const client = await connect(`mqtt://127.0.0.1:${gw.mqttPort}`);
  client.on('error', () => {});
  t.teardown(() => client.endAsync(true));
  return { client, responses: await recorder(client, `${BASE}/response/#`) };
}

interface Sent {
  transaction: string;
  op: 'loyalty/turnover' | 'gateway/test_scan' | 'loyalty/nonsense';
  qos: 0 | 1;
}

/** A mix of turnovers (bookings), test scans and unknown ops, alternating QoS 0 and 1. */
function burst(label: string, n: number): Sent[] {
  const ops: Sent['op'][] = ['loyalty/turnover', 'gateway/test_scan', 'loyalty/turnover', 'loyalty/nonsense'];
  return Array.from({ length: n }, (_, i) => ({
    transaction: tx(`${label}${i}`),
    op: ops[i % ops.length]!,
    qos: (i % 2) as 0 | 1,
  }));
}

function send(client: MqttClient, s: Sent, padding?: string): void {
  const body =
    s.op === 'loyalty/turnover'
      ? turnover(s.transaction, padding ? { note: padding } : {})
      : { transaction: s.transaction, text: 'x' };
  client.publish(`${BASE}/request/${s.op}`, JSON.stringify(body), { qos: s.qos });
}

const expected: Record<Sent['op'], string> = {
  'loyalty/turnover': 'ok',
  'gateway/test_scan': 'ok',
  'loyalty/nonsense': 'unknown_op',
};
const verdict = (p: any) => (p.status === 'ok' ? 'ok' : String(p.error?.code ?? JSON.stringify(p)));

/**
 * Every request answered exactly once with what its op earns (turnovers ok, booked or queued;
 * unknown ops their stable code) and every turnover booked exactly once at the provider.
 */
async function answeredOnceEach(
  t: any,
  gw: Gateway,
  pos: { client: MqttClient; responses: Recorder },
  sent: Sent[],
) {
  const heard = (x: string) => pos.responses.messages.filter((m) => m.payload.transaction === x);
  try {
    await waitUntil(
      () => sent.every((s) => heard(s.transaction).length > 0),
      'every request answered',
      ANSWER_DEADLINE_MS,
    );
  } catch {
    // Said per request below; the counts are the finding.
  }
  const turnovers = sent.filter((s) => s.op === 'loyalty/turnover').map((s) => s.transaction);
  const sim = gw.loyalty.simulator!;
  const booked = (x: string) => sim.ledger.effects().filter((e) => e.transaction_id === x).length;
  await waitUntil(
    () => turnovers.every((x) => booked(x) > 0) && gw.loyalty.health().outbox.depth === 0,
    'every turnover booked',
    ANSWER_DEADLINE_MS,
  ).catch(() => {});
  // Exactly one: counted once the till heard the answer to a later request on the same connection.
  const marker = tx('marker');
  send(pos.client, { transaction: marker, op: 'gateway/test_scan', qos: 1 });
  await pos.responses.until((m) => m.payload.transaction === marker, ANSWER_DEADLINE_MS);
  const answers = Object.fromEntries(
    sent.map((s) => [
      `${s.op} qos${s.qos} ${s.transaction}`,
      heard(s.transaction).map((m) => verdict(m.payload)),
    ]),
  );
  const want = Object.fromEntries(
    sent.map((s) => [`${s.op} qos${s.qos} ${s.transaction}`, [expected[s.op]]]),
  );
  t.deepEqual(answers, want, 'one answer per request');
  t.deepEqual(
    turnovers.map((x) => booked(x)),
    turnovers.map(() => 1),
    'each turnover booked exactly once',
  );
}

test('requests that arrive while an apply of the request size limit is between its stops and its starts are each answered once, at QoS 0 and 1, and the new limit holds', async (t) => {
  t.timeout(120_000);
  const g = partGate();
  const { gw, nextWithLimit } = await demoGateway(t, gatedParts(g, gated));
  t.teardown(() => g.open());
  const pos = await till(t, gw);
  const next = await nextWithLimit(2048);
  g.close();
  const applying = gw.apply(next);
  await g.reached(); // every part the apply restarts has stopped; the first to start again waits
  const sent = burst('gap', 24);
  for (const s of sent) send(pos.client, s);
  await g.arrived(...sent.map((s) => s.transaction));
  g.open();
  await applying;
  await answeredOnceEach(t, gw, pos, sent);
  // The new limit is what the router applies now.
  const big = tx('big');
  send(pos.client, { transaction: big, op: 'loyalty/turnover', qos: 1 }, 'x'.repeat(3000));
  const answer = await pos.responses.until(
    (m) => m.payload.transaction === null || m.payload.transaction === big,
    ANSWER_DEADLINE_MS,
  );
  t.like(answer.payload, {
    status: 'error',
    error: { code: 'invalid_request', details: { reason: 'too_large' } },
  });
});

test('a burst of requests at QoS 0 and 1 across two applies of the request size limit: one answer each, turnovers booked once', async (t) => {
  t.timeout(120_000);
  const { gw, nextWithLimit } = await demoGateway(t, [...PARTS]);
  const pos = await till(t, gw);
  const sent: Sent[] = [];
  let sending = true;
  // One request per loop turn while the applies run, so they are spread over every stop and start.
  const sender = (async () => {
    while (sending && sent.length < 2000) {
      const i = sent.length;
      const s: Sent = {
        transaction: tx(`run${i}-`),
        op: i % 2 === 0 ? 'loyalty/turnover' : 'gateway/test_scan',
        qos: ((i >> 1) % 2) as 0 | 1,
      };
      sent.push(s);
      send(pos.client, s);
      await new Promise((r) => setImmediate(r));
    }
  })();
  await gw.apply(await nextWithLimit(32_768));
  await gw.apply(await nextWithLimit(65_536)); // and back
  sending = false;
  await sender;
  t.true(sent.length > 10, `${sent.length} requests sent`);
  await answeredOnceEach(t, gw, pos, sent);
});

test('a till that reconnects to a broker restarted by an apply and sends at once is answered once per request: the request topics are served before the broker listens', async (t) => {
  t.timeout(120_000);
  const g = partGate();
  const { gw, nextWith } = await demoGateway(t, gatedParts(g, gated));
  t.teardown(() => g.open());
  // A broker setting: the broker restarts (its tills reconnect), the router does not.
  const next = await nextWith({ max_queued_messages: 500 });
  const plan = gw.plan(next);
  t.true(plan.kind === 'parts' && plan.restart[0] === 'broker', JSON.stringify(plan));
  g.close();
  const applying = gw.apply(next);
  await g.reached(); // the new broker listens; the part after it waits
  const pos = await till(t, gw);
  const sent = burst('reconnect', 24);
  for (const s of sent) send(pos.client, s);
  await g.arrived(...sent.map((s) => s.transaction));
  g.open();
  await applying;
  await answeredOnceEach(t, gw, pos, sent);
});
