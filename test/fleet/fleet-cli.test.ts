// `edge-gateway fleet` over three gateways on one machine reporting to a real Mosquitto: the JSON
// for scripts, filters and sorting, and the live terminal view following a till that goes away.
import { spawn } from 'node:child_process';
import test from 'ava';
import { BIN, runCli } from '../helpers/cli.ts';
import { connect, recorder, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { turnover, tx } from '../loyalty/flows/_setup.ts';
import { box, FLEET, opsBroker, until, uplinkConfig, watch } from '../uplink/_rig.ts';

const BOXES = [box('B1', 'T1'), box('B1', 'T2'), box('B2', 'T1')];

async function fleetJson(url: string, args: string[] = []): Promise<any> {
  const run = runCli(
    ['fleet', '--broker', url, '--username', FLEET.username, '--json', '--settle-ms', '300', ...args],
    {
      EDGE_FLEET_PASSWORD: FLEET.password,
    },
  );
  let out = '';
  run.child.stdout!.removeAllListeners('data');
  run.child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const code = await run.exited;
  if (code !== 0) throw new Error(`fleet exited ${code}: ${run.stderr.join('')}`);
  return JSON.parse(out);
}

const names = (doc: any) => doc.tills.map((r: any) => `${r.branch}/${r.till}`);

test.serial(
  'the fleet view lists three gateways with state, backlog and cloud link, filtered and sorted',
  async (t) => {
    t.timeout(120_000);
    const ops = await opsBroker(t, BOXES);
    const live = await watch(t, ops);
    const gws: TestGateway[] = [];
    for (const b of BOXES) {
      const gw = await startTestGateway({
        config: { till_id: b.till, branch_id: b.branch, devices: { hid: false }, uplink: uplinkConfig(ops) },
        secrets: { uplink: { password: b.password } },
      });
      gws.push(gw);
    }
    const stopped = new Set<TestGateway>();
    t.teardown(() => Promise.all(gws.filter((g) => !stopped.has(g)).map((g) => g.stop())));
    await until(
      'three online',
      () =>
        ['B1/T1', 'B1/T2', 'B2/T1'].every((n) =>
          live.rec.messages.some((m) => m.topic === `edge/${n}/state` && m.payload.state === 'online'),
        ) || undefined,
    );

    // B1/T2 loses its provider and queues a sale: a backlog ops must see.
    const sick = gws[1]!;
    sick.gateway.loyalty.simulator!.faults.set({ outage: true });
    const till = await connect(sick.url);
    t.teardown(() => till.endAsync());
    const answers = await recorder(till, 'pos/T2/response/#');
    const transaction = tx('fleet');
    till.publish('pos/T2/request/loyalty/turnover', JSON.stringify(turnover(transaction)), { qos: 1 });
    await answers.until((m) => m.payload.transaction === transaction);
    await live.rec.until(
      (m) =>
        m.topic === 'edge/B1/T2/health' && m.payload.outbox.depth === 1 && m.payload.cloud.state === 'down',
      15_000,
    );

    const all = await fleetJson(ops.url);
    t.deepEqual(names(all), ['B1/T1', 'B1/T2', 'B2/T1']);
    t.like(all.summary, { tills: 3, branches: 2, online: 3, offline: 0, backlog: 1 });
    const t2 = all.tills.find((r: any) => r.till === 'T2');
    t.like(t2, { state: 'online', stale: false, cloud: 'down', backlog: { depth: 1, dead: 0 } });
    t.is(t2.version, all.tills[0].version);
    t.truthy(t2.last_seen);
    t.deepEqual(t2.devices, { online: 0, total: 0 });

    t.deepEqual(names(await fleetJson(ops.url, ['--branch', 'B2'])), ['B2/T1']);
    t.deepEqual(names(await fleetJson(ops.url, ['--sort', 'backlog'])), ['B1/T2', 'B1/T1', 'B2/T1']);

    await gws[2]!.stop();
    stopped.add(gws[2]!);
    await live.rec.until((m) => m.topic === 'edge/B2/T1/state' && m.payload.state === 'offline', 10_000);
    const offline = await fleetJson(ops.url, ['--state', 'offline']);
    t.deepEqual(names(offline), ['B2/T1']);
    t.like(offline.summary, { online: 2, offline: 1 });
  },
);

test.serial('in a terminal the fleet view refreshes live and quits on q', async (t) => {
  t.timeout(120_000);
  const ops = await opsBroker(t, BOXES.slice(0, 2));
  const live = await watch(t, ops);
  const gws = await Promise.all(
    BOXES.slice(0, 2).map((b) =>
      startTestGateway({
        config: { till_id: b.till, branch_id: b.branch, devices: { hid: false }, uplink: uplinkConfig(ops) },
        secrets: { uplink: { password: b.password } },
      }),
    ),
  );
  let running = [...gws];
  t.teardown(() => Promise.all(running.map((g) => g.stop())));
  await until(
    'two online',
    () =>
      live.rec.messages.filter((m) => m.topic.endsWith('/state') && m.payload.state === 'online').length >=
        2 || undefined,
  );

  // `script` gives the view a real terminal (a pty), as a person running it over ssh has.
  const cmd = `${process.execPath} ${BIN} fleet --broker ${ops.url} --username ${FLEET.username}`;
  const view = spawn('script', ['-qfec', cmd, '/dev/null'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      EDGE_FLEET_PASSWORD: FLEET.password,
      COLUMNS: '160',
      LINES: '40',
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  t.teardown(() => view.kill('SIGKILL'));
  let screen = '';
  view.stdout.on('data', (d: Buffer) => {
    screen += d.toString();
  });
  const exited = new Promise<number | null>((r) => view.once('exit', (c) => r(c)));
  const plain = () => screen.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
  await until(
    'first screen',
    () => plain().includes('2 tills in 1 branches · 2 online · 0 offline') || undefined,
    20_000,
  );
  t.regex(plain(), /BRANCH\s+TILL\s+STATE\s+LAST SEEN\s+BACKLOG/);

  await gws[1]!.stop();
  running = [gws[0]!];
  const before = screen.length;
  await until(
    'live refresh',
    () =>
      screen
        .slice(before)
        .replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')
        .includes('1 online · 1 offline') || undefined,
    20_000,
  );
  t.true(screen.includes('\x1b[31m'), 'the offline till is painted red');
  view.stdin.write('q');
  t.is(await exited, 0);
});
