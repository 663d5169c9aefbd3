// The pieces of the kill -9 test (DESIGN §5 "survives kill -9 … none twice", §10 faults): the real
// `edge-gateway start` as a child on one data dir that outlives it, and a till that records every
// answer it hears. The provider simulator stays in the test process, so its ledger outlives the kills.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { SEED } from '../../../src/loyalty/simulator/index.ts';
import { type Running, runCli } from '../../helpers/cli.ts';
import { connect, sleep } from '../../helpers/gateway.ts';

export const TILL = 'T1';
export const BRANCH = 'B1';
export const REQUEST = `pos/${TILL}/request/loyalty/turnover`;
export const RESPONSE = `pos/${TILL}/response/loyalty/turnover`;

/** The idempotency key the gateway must send for a till transaction (DESIGN §4). */
export const keyOf = (transaction: string) => `${BRANCH}:${TILL}:${transaction}`;

/** Several lanes (DESIGN §5 per-customer FIFO): the seeded refs, and scanned codes of the same people. */
export const BUYERS: readonly Record<string, string>[] = [
  { customer_ref: SEED.customers.regular.ref },
  { customer_ref: SEED.customers.appUser.ref },
  { customer_ref: SEED.customers.cardOnly.ref },
  { customer_ref: SEED.customers.appOnly.ref },
  { code: SEED.customers.regular.card },
  { code: SEED.customers.appUser.appUrl },
  { code: SEED.customers.cardOnly.card },
  { code: SEED.customers.appOnly.appToken },
];

export function writeConfig(dir: string, providerUrl: string): string {
  const path = join(dir, 'config.json');
  const config = {
    till_id: TILL,
    branch_id: BRANCH,
    provider: { url: providerUrl, api_key: SEED.apiKey, booking_window_ms: 300, timeout_ms: 1000 },
    outbox: {
      retry_base_ms: 20,
      retry_max_ms: 500,
      circuit_failures: 5,
      circuit_open_ms: 200,
      concurrency: 8,
    },
    // The test box has no scanners; never touch the machine's USB devices.
    devices: { hid: false },
  };
  writeFileSync(path, JSON.stringify(config));
  return path;
}

export interface Answer {
  status: string;
  data?: { state?: string };
  error?: { code: string };
}

export interface Life {
  run: Running;
  ready: { mqtt_port: number; http_port: number };
  till: MqttClient;
}

/** Starts the gateway on the shared data dir and connects a till that hands every answer to `onAnswer`. */
export async function startLife(
  dataDir: string,
  configPath: string,
  onAnswer: (transaction: string, answer: Answer) => void,
): Promise<Life> {
  const run = runCli(['start', '--config', configPath], {
    EDGE_DATA_DIR: dataDir,
    EDGE_MQTT_PORT: '0',
    EDGE_HTTP_PORT: '0',
    EDGE_LOG_LEVEL: 'info',
  });
  const ready = await run.ready;
  const till = await connect(`mqtt://127.0.0.1:${ready.mqtt_port}`);
  // The broker dies under the till at every kill; that is the point, not an error of the test.
  till.on('error', () => {});
  till.on('message', (topic, payload) => {
    if (topic !== RESPONSE) return;
    const body = JSON.parse(payload.toString()) as Answer & { transaction: string };
    onAnswer(String(body.transaction), body);
  });
  await till.subscribeAsync(RESPONSE, { qos: 1 });
  return { run, ready, till };
}

/**
 * kill -9: no stop hook runs, the outbox file is left as the instant found it. `whileFrozen` runs
 * between SIGSTOP and SIGKILL: what it sends reaches a process that will never read it.
 */
export async function killHard(life: Life, whileFrozen?: () => void): Promise<void> {
  if (whileFrozen) {
    life.run.child.kill('SIGSTOP');
    whileFrozen();
    // Let the till hand its bytes to the socket; the frozen gateway cannot answer meanwhile.
    await new Promise((r) => setImmediate(r));
  }
  life.run.child.kill('SIGKILL');
  await life.run.exited;
  life.till.end(true);
}

export async function outboxHealth(httpPort: number): Promise<{ depth: number; dead: number }> {
  const status = (await fetch(`http://127.0.0.1:${httpPort}/api/status`).then((r) => r.json())) as {
    health: { outbox: { depth: number; dead: number } };
  };
  return status.health.outbox;
}

/** Polls the status page until the outbox is empty; returns the last reading either way. */
export async function waitForDrain(httpPort: number, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  let health = await outboxHealth(httpPort);
  while (health.depth > 0 && Date.now() < until) {
    await sleep(100);
    health = await outboxHealth(httpPort);
  }
  return health;
}
