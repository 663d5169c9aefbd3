// DESIGN §5 "an entry is committed before the till hears `queued`", proved where it matters: in the
// system calls of the real `edge-gateway start` (issue 12). The child runs under strace; a real
// mqtt.js till sells while the provider is down; then, for every sale answered `queued`, the log
// must show the write of the page holding its outbox row, an fsync of that same file returning after
// it, and only then the answer's bytes written to the till's TCP socket.
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { createSimulator } from '../../src/loyalty/simulator/index.ts';
import { runCli } from '../helpers/cli.ts';
import { connect, tempDir } from '../helpers/gateway.ts';
import { BUYERS, keyOf, REQUEST, RESPONSE, writeConfig } from '../loyalty/crash/_rig.ts';
import { record } from '../proof/figures.ts';
import { createTill } from './_box.ts';
import { checkOrder, microsBetween, parseStrace, straceWrap, tracedPid } from './_strace.ts';

const SALES = 60;
const IN_FLIGHT = 4;

interface Figures {
  transactions: number;
  violations: number;
  /** fsync returned → answer written, in µs: how close the answer follows durability. */
  p50Us: number;
  maxUs: number;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function sellWhileProviderDown(
  t: ExecutionContext,
  label: string,
  providerUrl: string,
): Promise<Figures> {
  const dataDir = tempDir('edge-fsync-');
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const configPath = writeConfig(dataDir, providerUrl);
  const trace = join(dataDir, 'strace.log');
  const run = runCli(
    ['start', '--config', configPath],
    { EDGE_DATA_DIR: dataDir, EDGE_MQTT_PORT: '0', EDGE_HTTP_PORT: '0', EDGE_LOG_LEVEL: 'warn' },
    straceWrap(trace),
  );
  let gatewayPid: number | undefined;
  t.teardown(() => {
    if (gatewayPid) process.kill(gatewayPid, 'SIGKILL');
  });
  const ready = await run.ready;
  gatewayPid = tracedPid(run.child.pid!);

  const client = await connect(`mqtt://127.0.0.1:${ready.mqtt_port}`);
  t.teardown(() => client.end(true));
  const till = await createTill(client, { request: REQUEST, response: RESPONSE, buyers: BUYERS });

  // When the till sells SALES times, a few sales in flight at once, to several customers …
  const ids = Array.from({ length: SALES }, (_, i) => `fsync-${label}-${String(i).padStart(4, '0')}`);
  await till.sellAll(ids, IN_FLIGHT);
  // … then the gateway stops, so strace has written every line, and the log is read.
  const tillSocket = `TCP:[127.0.0.1:${ready.mqtt_port}->127.0.0.1:${(client.stream as Socket).localPort}]`;
  client.end(true);
  process.kill(gatewayPid, 'SIGTERM');
  await run.exited;
  gatewayPid = undefined;

  // Every sale got exactly one answer, and it was `queued`: the provider never answered.
  const notQueuedOnce = ids.filter((id) => {
    const a = till.answers.get(id)!;
    return a.length !== 1 || a[0]?.status !== 'ok' || a[0]?.data?.state !== 'queued';
  });
  t.deepEqual(notQueuedOnce, [], `${label}: one answer per sale, each queued`);

  const outbox = join(dataDir, 'outbox.sqlite');
  const checks = checkOrder(parseStrace(readFileSync(trace, 'utf8')), {
    outboxFiles: [outbox, `${outbox}-wal`, `${outbox}-journal`],
    tillSocket,
    transactions: new Map(
      ids.map((id) => [id, { stored: keyOf(id), answered: `\\"transaction\\":\\"${id}\\"` }]),
    ),
  });
  const violations = checks.filter((c) => !c.ok);
  if (violations.length > 0) {
    // Kept for a post-mortem (the data dir goes): the lines around a violation say what happened.
    const kept = join(tmpdir(), `edge-fsync-${label}-${process.pid}.log`);
    copyFileSync(trace, kept);
    t.log(`strace log kept at ${kept}`);
  }
  t.deepEqual(
    violations.map((c) => [c.transaction, c.why]),
    [],
    `${label}: every queued answer left after its outbox row was fsynced`,
  );
  // The sync that made each row durable was of the WAL (journal_mode=WAL, synchronous=FULL).
  t.deepEqual(
    [...new Set(checks.map((c) => c.synced?.fd))],
    [`${outbox}-wal`],
    `${label}: rows were made durable by fsyncs of the WAL`,
  );
  const gaps = checks
    .filter((c) => c.ok)
    .map((c) => microsBetween(c.synced!.time, c.answered!.time))
    .sort((a, b) => a - b);
  const figures: Figures = {
    transactions: checks.length,
    violations: violations.length,
    p50Us: gaps[Math.floor(gaps.length / 2)] ?? 0,
    maxUs: gaps.at(-1) ?? 0,
  };
  t.log(`${label}: ${JSON.stringify(figures)}`);
  const ms = (us: number) => `${(us / 1000).toFixed(1)} ms`;
  record({
    kind: 'row',
    section: 'durability',
    what: `fsync order under strace, provider ${label === 'outage' ? 'down (simulator outage)' : 'unreachable (closed port)'}`,
    figure:
      `${figures.transactions} turnovers answered queued, ${figures.violations} order violations; ` +
      `fsync returned → answer written p50 ${ms(figures.p50Us)}, max ${ms(figures.maxUs)}`,
    bar: 'WAL page written → its fsync returned → answer on the till socket; 0 violations',
    failures: figures.violations,
  });
  return figures;
}

test('provider down (simulator outage): every queued answer is written after the fsync of its outbox row', async (t) => {
  t.timeout(180_000);
  const sim = await createSimulator({ host: '127.0.0.1', port: 0 });
  t.teardown(() => sim.close());
  sim.faults.set({ outage: true });
  const figures = await sellWhileProviderDown(t, 'outage', sim.url);
  t.is(figures.transactions, SALES);
  t.is(sim.ledger.effects().length, 0, 'the provider booked nothing while down');
});

test('provider unreachable (closed port): every queued answer is written after the fsync of its outbox row', async (t) => {
  t.timeout(180_000);
  const figures = await sellWhileProviderDown(t, 'closed-port', `http://127.0.0.1:${await closedPort()}`);
  t.is(figures.transactions, SALES);
});
