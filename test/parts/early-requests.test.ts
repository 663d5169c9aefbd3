// A till's request that arrives while the gateway's parts are still starting (DESIGN §3 "exactly one
// answer", turnover "ok booked or queued"): the till broker and the router's subscription come up
// before the slower parts, so a till that reconnects after a restart (mqtt.js resends its
// unacknowledged publishes at once, the till software its unanswered requests) reaches the router
// before loyalty has registered its ops. That request waits for the parts, as one during an apply
// does, instead of hearing `unavailable` — which a till takes as the answer, so the sale's booking
// was lost. The same window opens when an apply restarts loyalty. The loyalty part is held at a
// gate here, so the request surely arrives in that window.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import type { MqttClient } from 'mqtt';
import { loadConfig } from '../../src/config/load.ts';
import { type Gateway, startGateway } from '../../src/gateway.ts';
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
import { freePort } from '../helpers/mosquitto.ts';
import { gatedParts, partGate } from '../helpers/part-gate.ts';
import { turnover, tx } from '../loyalty/flows/_setup.ts';

const BASE = 'pos/T1';

// Only the loyalty part's start waits at the gate while it is closed.
const gated = (name: string) => name === 'loyalty';

/** A demo-mode gateway's config (anonymous tills on loopback, the built-in simulator) on `mqttPort`. */
function demoConfig(mqttPort: number) {
  const { logger, lines } = collectingLogger();
  const dataDir = tempDir();
  const configPath = join(dataDir, 'config.json');
  const write = (config: Record<string, any>) => writeFileSync(configPath, JSON.stringify(config));
  const config = {
    till_id: 'T1',
    mqtt: { port: mqttPort, ws_port: 0 },
    http: { port: 0 },
    devices: { hid: false },
  };
  write(config);
  return {
    logger,
    lines,
    load: () => loadConfig({ configPath, dataDir, env: {}, logger }),
    /** A technician's edit of the file. */
    edit(change: (c: typeof config) => void) {
      const next = structuredClone(config);
      change(next);
      write(next);
    },
  };
}

/** A till (demo mode: anonymous on loopback), once the broker listens. */
async function till(t: any, url: string): Promise<{ client: MqttClient; responses: Recorder }> {
  const client = await connect(url);
  client.on('error', () => {});
  t.teardown(() => client.endAsync(true));
  return { client, responses: await recorder(client, `${BASE}/response/#`) };
}

/** A turnover's answer as the till judges it: `ok` (booked or queued), or the error heard. */
const judged = (p: any) =>
  p.status === 'ok' && ['booked', 'queued'].includes(p.data?.state)
    ? 'ok'
    : JSON.stringify(p.error ?? p.data);

async function answeredOnceOk(
  t: any,
  gw: Gateway,
  pos: Awaited<ReturnType<typeof till>>,
  transaction: string,
) {
  const first = await pos.responses.until((m) => m.payload.transaction === transaction, 30_000);
  t.is(judged(first.payload), 'ok', 'the first answer');
  // Booked once with the provider (the demo mode's simulator), and the outbox empty: whatever
  // handled the request is done with it.
  const sim = gw.loyalty.simulator!;
  const booked = () => sim.ledger.effects().filter((e) => e.transaction_id === transaction).length;
  await waitUntil(() => booked() > 0 && gw.loyalty.health().outbox.depth === 0, 'booked', 30_000);
  // Exactly one answer: counted once the till has heard the answer to a later request.
  const marker = tx('marker');
  pos.client.publish(`${BASE}/request/gateway/test_scan`, JSON.stringify({ transaction: marker, text: 'x' }));
  await pos.responses.until((m) => m.payload.transaction === marker, 30_000);
  const answers = pos.responses.messages.filter((m) => m.payload.transaction === transaction);
  t.deepEqual(
    answers.map((m) => judged(m.payload)),
    ['ok'],
  );
  t.is(booked(), 1, 'booked exactly once');
}

test('a turnover that reaches the box while its loyalty part still starts is answered ok once the part is up, not unavailable', async (t) => {
  t.timeout(90_000);
  const port = await freePort();
  const { load, lines, logger } = demoConfig(port);
  const g = partGate();
  g.close();
  const starting = startGateway({ config: await load(), logger }, gatedParts(g, gated));
  // Whatever fails first, the gateway starts to the end and stops again.
  t.teardown(async () => {
    g.open();
    const gw = await starting.catch(() => undefined);
    await withDeadline(
      gw?.stop() ?? Promise.resolve(),
      STOP_DEADLINE_MS,
      () => `stop: ${lines.slice(-5).join('\n')}`,
    );
  });
  await g.reached(); // the broker and the router's subscription are up; loyalty waits
  const pos = await till(t, `mqtt://127.0.0.1:${port}`);
  const transaction = tx('early');
  pos.client.publish(`${BASE}/request/loyalty/turnover`, JSON.stringify(turnover(transaction)), { qos: 1 });
  await g.arrived(transaction);
  g.open();
  const gw = await starting;
  await answeredOnceOk(t, gw, pos, transaction);
});

test('a turnover sent while an apply restarts loyalty is answered once, ok: not unavailable while its handlers are gone', async (t) => {
  t.timeout(90_000);
  const port = await freePort();
  const config = demoConfig(port);
  const g = partGate();
  const gw = await startGateway({ config: await config.load(), logger: config.logger }, gatedParts(g, gated));
  t.teardown(() => {
    g.open();
    return withDeadline(gw.stop(), STOP_DEADLINE_MS, () => `stop: ${config.lines.slice(-5).join('\n')}`);
  });
  const pos = await till(t, `mqtt://127.0.0.1:${port}`);
  // A provider setting: loyalty restarts (its handlers leave the router and come back); the router
  // itself outlives every apply (test/parts/apply-gap.test.ts).
  config.edit((c) => Object.assign(c, { provider: { timeout_ms: 4000 } }));
  const next = await config.load();
  t.like(gw.plan(next), { kind: 'parts', restart: ['loyalty', 'info'] });
  g.close();
  const applying = gw.apply(next);
  await g.reached();
  const transaction = tx('applying');
  pos.client.publish(`${BASE}/request/loyalty/turnover`, JSON.stringify(turnover(transaction)), { qos: 1 });
  await g.arrived(transaction);
  g.open();
  await applying;
  await answeredOnceOk(t, gw, pos, transaction);
});
