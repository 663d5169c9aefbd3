// A new user's first run, exactly as the README says: the demo gateway started as a child process
// (`bin/edge-gateway.js start`, temp EDGE_DATA_DIR, free ports), then the walk-through's own command
// lines taken from the README and run in a shell with only `-p <port>` added (the demo's 1883 may be
// taken on a shared machine). Every line the gateway prints must be info or below (a first run that
// prints an error or a warning is a bug), and what the README promises must arrive.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { SEED } from '../../src/loyalty/simulator/seed.ts';
import { runCli } from '../helpers/cli.ts';

const R = SEED.rewards;

import { tempDir } from '../helpers/gateway.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = readFileSync(`${ROOT}README.md`, 'utf8');
const quickStart = README.slice(
  README.indexOf('## Quick start'),
  README.indexOf('\n## ', README.indexOf('## Quick start') + 1),
);
const commands = quickStart.split('\n').filter((l) => /^npx edge-gateway (sub|pub) /.test(l));

interface Shell {
  child: ChildProcess;
  out: string[];
  err: string[];
  exited: Promise<number | null>;
}

/** The README line in a shell of its own process group (npx runs node below sh), on `port`. */
function shell(line: string, port: number): Shell {
  const command = line.replace(/^npx edge-gateway (sub|pub) /, `npx edge-gateway $1 -p ${port} `);
  const child = spawn('sh', ['-c', command], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  const err: string[] = [];
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    out.push(...parts);
  });
  child.stderr!.on('data', (d: Buffer) => err.push(d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, out, err, exited };
}

/** Signals the shell's whole group (it may be gone already). */
function signalGroup(sh: Shell, signal: NodeJS.Signals) {
  try {
    process.kill(-sh.child.pid!, signal);
  } catch {}
}

async function until(what: string, pred: () => boolean, timeoutMs = 30_000) {
  const start = Date.now();
  while (!pred()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const messages = (lines: string[]) =>
  lines.map((l) => {
    const space = l.indexOf(' ');
    return { topic: l.slice(0, space), payload: JSON.parse(l.slice(space + 1)) };
  });

test('the README walk-through is one subscription and two publishes of the demo till', (t) => {
  t.deepEqual(
    commands.map((c) => c.split(' ').slice(0, 5).join(' ')),
    [
      "npx edge-gateway sub -t 'pos/demo-till/#'",
      'npx edge-gateway pub -t pos/demo-till/request/gateway/test_scan',
      'npx edge-gateway pub -t pos/demo-till/request/loyalty/turnover',
    ],
  );
});

test('the demo started as the README says runs the walk-through with no warning or error', async (t) => {
  t.timeout(120_000, 'a demo start and three npx runs on a loaded machine');
  const dataDir = tempDir('edge-demo-');
  const gateway = runCli(['start'], { EDGE_DATA_DIR: dataDir, EDGE_MQTT_PORT: '0', EDGE_HTTP_PORT: '0' });
  t.teardown(() => {
    if (gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
  });
  const ready = await gateway.ready;
  t.true(ready.demo);

  const [subLine, ...pubLines] = commands;
  const sub = shell(subLine!, ready.mqtt_port);
  t.teardown(() => signalGroup(sub, 'SIGKILL'));
  // The retained state arrives as soon as the subscription stands.
  await until('the subscription', () => sub.out.includes('pos/demo-till/gateway/state {"state":"online"}'));

  for (const line of pubLines) {
    const pub = shell(line, ready.mqtt_port);
    t.is(await pub.exited, 0, pub.err.join(''));
    t.deepEqual(pub.err, []);
  }
  await until('the turnover answer', () =>
    sub.out.some((l) => l.startsWith('pos/demo-till/response/loyalty/turnover ')),
  );
  await until('the customer', () => sub.out.some((l) => l.startsWith('pos/demo-till/loyalty/customer ')));

  const seen = messages(sub.out);
  const on = (topic: string) =>
    seen.filter((m) => m.topic === `pos/demo-till/${topic}`).map((m) => m.payload);
  // "The first is published as a scan of kind loyalty, then the customer and rewards on loyalty/customer"
  const scans = on('scan');
  t.is(scans.length, 1);
  t.like(scans[0], {
    kind: 'loyalty',
    device_id: 'test',
    loyalty: { pattern: 'hello-again-app-url', kind: 'qr' },
  });
  t.like(on('response/gateway/test_scan'), [
    { transaction: 't1', status: 'ok', data: { scan_id: scans[0].id } },
  ]);
  const customers = on('loyalty/customer');
  t.is(customers.length, 1);
  t.like(customers[0], { scan_id: scans[0].id, status: 'ok', customer: { ref: 'C-1001' } });
  // Every seeded reward of the demo customer, each once.
  t.deepEqual(
    customers[0].rewards.map((r: { id: string }) => r.id).sort(),
    [R.discount, R.stamp, R.bonusNotActivated, R.voucherExpired, R.prepaidExhausted].sort(),
  );
  // "the second is answered booked with points"
  const turnovers = on('response/loyalty/turnover');
  t.is(turnovers.length, 1);
  t.like(turnovers[0], { transaction: 't2', status: 'ok', data: { state: 'booked' } });
  t.true(Number.isInteger(turnovers[0].data.points_earned) && turnovers[0].data.points_earned > 0);

  signalGroup(sub, 'SIGINT');
  await sub.exited;
  t.deepEqual(sub.err, []);
  gateway.child.kill('SIGTERM');
  t.is(await gateway.exited, 0);

  t.deepEqual(gateway.stderr, []);
  const loud = gateway.lines.filter((l) => typeof l !== 'object' || !['info', 'debug'].includes(l.level));
  t.deepEqual(loud, [], 'a first run prints no warning and no error');
  t.true(gateway.lines.some((l) => l.msg === 'stopped'));
});
