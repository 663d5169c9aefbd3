// A provisioned box as a child process on a data dir that outlives it (issue 12, power-cut realism):
// provisioned through `edge-gateway provision` as a technician does (API key in secrets.json, a till
// login), started with `edge-gateway start`, stopped with SIGTERM or killed.
import type { MqttClient } from 'mqtt';
import { SEED } from '../../src/loyalty/simulator/index.ts';
import { type Running, runCli } from '../helpers/cli.ts';
import { connect, sleep } from '../helpers/gateway.ts';
import { writeConfig } from '../loyalty/crash/_rig.ts';

export const LOGIN = { username: 'till-1', password: 'till-pass-1' };

export interface Done {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command of `edge-gateway` to its end (optionally under a wrapper such as strace). */
export async function runToEnd(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  wrap: string[] = [],
): Promise<Done> {
  const run = runCli(args, env, wrap);
  run.child.stdin!.end();
  const code = await run.exited;
  return { code, stdout: run.stdout.join(''), stderr: run.stderr.join('') };
}

/** The rig's config (fast retries, no USB), then the technician's provisioning over it. */
export async function provisionBox(
  dir: string,
  providerUrl: string,
  logins: readonly { username: string; password: string }[] = [LOGIN],
): Promise<void> {
  const configPath = writeConfig(dir, providerUrl);
  const done = await runToEnd([
    'provision',
    '--config',
    configPath,
    '--data-dir',
    dir,
    '--provider-api-key',
    SEED.apiKey,
    ...logins.flatMap((l) => ['--till-login', `${l.username}:${l.password}:T1`]),
  ]);
  if (done.code !== 0) throw new Error(`provision failed (${done.code}): ${done.stderr}`);
}

export interface Box {
  run: Running;
  ready: { mqtt_port: number; http_port: number; till_id: string; demo: boolean };
}

export async function startBox(dir: string, wrap: string[] = []): Promise<Box> {
  const run = runCli(
    ['start', '--config', `${dir}/config.json`],
    { EDGE_DATA_DIR: dir, EDGE_MQTT_PORT: '0', EDGE_HTTP_PORT: '0', EDGE_LOG_LEVEL: 'info' },
    wrap,
  );
  try {
    return { run, ready: await run.ready };
  } catch (err) {
    run.child.kill('SIGKILL');
    throw err;
  }
}

export async function stopBox(box: Box): Promise<void> {
  if (box.run.child.exitCode !== null || box.run.child.signalCode !== null) return;
  box.run.child.kill('SIGTERM');
  await box.run.exited;
}

export async function connectTill(box: Box): Promise<MqttClient> {
  return connect(`mqtt://127.0.0.1:${box.ready.mqtt_port}`, LOGIN);
}

export async function outbox(box: Box): Promise<{ depth: number; dead: number }> {
  const status = (await fetch(`http://127.0.0.1:${box.ready.http_port}/api/status`).then((r) =>
    r.json(),
  )) as {
    health: { outbox: { depth: number; dead: number } };
  };
  return status.health.outbox;
}

/** Polls the status API until the outbox is empty (or the deadline passes); returns the last reading. */
export async function drained(box: Box, timeoutMs = 60_000): Promise<{ depth: number; dead: number }> {
  const until = Date.now() + timeoutMs;
  let health = await outbox(box);
  while (health.depth > 0 && Date.now() < until) {
    await sleep(100);
    health = await outbox(box);
  }
  return health;
}

/** A till that sells turnovers and records every answer it hears, by transaction. */
export async function createTill(
  client: MqttClient,
  opts: { request: string; response: string; buyers: readonly object[] },
) {
  const answers = new Map<string, { status?: string; data?: { state?: string } }[]>();
  const waiters: (() => void)[] = [];
  client.on('message', (topic, payload) => {
    if (topic !== opts.response) return;
    const body = JSON.parse(payload.toString()) as {
      transaction: string;
      status?: string;
      data?: { state?: string };
    };
    answers.get(body.transaction)?.push(body);
    for (const w of waiters.splice(0)) w();
  });
  await client.subscribeAsync(opts.response, { qos: 1 });
  let n = 0;
  const till = {
    answers,
    heard: () => [...answers].filter(([, a]) => a.length > 0).map(([tx]) => tx),
    sell(transaction: string) {
      answers.set(transaction, []);
      n++;
      const body = {
        transaction,
        ...opts.buyers[n % opts.buyers.length],
        receipt_number: `R-${transaction}`,
        amount_cents: 100 + n,
        currency: 'EUR',
      };
      client.publish(opts.request, JSON.stringify(body), { qos: 1 }, () => {});
    },
    /** Sells every id, `inFlight` at a time, each next one when an answer arrives. */
    async sellAll(ids: readonly string[], inFlight: number): Promise<void> {
      let next = 0;
      const more = () => {
        while (
          next < ids.length &&
          next - ids.filter((id) => (answers.get(id)?.length ?? 0) > 0).length < inFlight
        )
          till.sell(ids[next++]!);
      };
      more();
      while (ids.some((id) => (answers.get(id)?.length ?? 0) === 0)) {
        await new Promise<void>((resolve) => waiters.push(resolve));
        more();
      }
    },
  };
  return till;
}
