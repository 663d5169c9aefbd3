// `npm run bench:fleet` (DESIGN §10 fleet bar): 10,000 simulated boxes — the gateway's real uplink
// part, Last Will and health cadence — on one Mosquitto on loopback, watched by the fleet view.
// Shows: connect time of the fleet, broker message rates (and the heartbeats' share), that the view
// lists all of them (live, and `edge-gateway fleet --json` started afterwards from retained state
// alone), that 500 boxes killed (SIGKILL: sockets closed, Last Will at once) and 500 hung ones
// (SIGSTOP: sockets open and silent) are each shown offline within 1.5 × keepalive (p50/p99/max
// per box; the hung ones from their missing heartbeats), when Mosquitto's own keepalive check
// fires the hung ones' Last Wills, and the view's memory and refresh time.
// BENCH_FLEET_HEARTBEAT=0 runs the boxes without heartbeats (the hung ones then wait for the Last
// Will): the message-rate cost of heartbeats is the difference of the two runs. Anonymous broker: per-box logins and ACLs are the
// uplink tests' subject; this one is about capacity.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runCli } from '../test/helpers/cli.ts';
import { startMosquitto } from '../test/helpers/mosquitto.ts';
import { boxName } from './fleet-names.ts';
import { percentiles } from './stats.ts';

const BOXES = Number(process.env.BENCH_FLEET_BOXES ?? 10_000);
const KEEPALIVE_S = Number(process.env.BENCH_FLEET_KEEPALIVE ?? 10);
const HEALTH_S = Number(process.env.BENCH_FLEET_HEALTH ?? 60);
/** Empty: the product's default (half the keepalive). */
const HEARTBEAT = process.env.BENCH_FLEET_HEARTBEAT ?? '';
const GROUP = Math.min(500, Math.floor(BOXES / 10));
const debug = (...a: unknown[]) => process.env.BENCH_DEBUG && console.error(new Date().toISOString(), ...a);
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));

interface Summary {
  tills: number;
  online: number;
  offline: number;
  silent: number;
}
interface ViewReport {
  summary: Summary;
  sys: Record<string, number>;
  at: number;
}

export async function benchFleet(): Promise<Record<string, unknown>> {
  const broker = await startMosquitto({
    anonymous: true,
    nofile: 4 * BOXES + 1024,
    conf: ['max_connections -1', 'sys_interval 1', 'max_keepalive 1200'],
  });
  const children: ChildProcess[] = [];
  const kill = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  try {
    const spawnChild = (file: string, args: string[], flags: string[] = []) => {
      const c = fork(here(file), args, {
        execArgv: ['--import=tsx', ...flags],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.push(c);
      return c;
    };
    let last: ViewReport | undefined;
    const view = spawnChild('./fleet-view.ts', [broker.url], ['--expose-gc']);
    const listeners = new Set<(r: ViewReport) => void>();
    view.on('message', (m: ViewReport | { measured: Record<string, number> }) => {
      if ('summary' in m) {
        last = m;
        for (const l of listeners) l(m);
      }
    });
    const until = (what: string, pred: (r: ViewReport) => boolean, timeoutMs: number) =>
      new Promise<ViewReport>((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`${what}: not within ${timeoutMs} ms (last ${JSON.stringify(last?.summary)})`));
        }, timeoutMs);
        const check = (r: ViewReport) => {
          if (!pred(r)) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve(r);
        };
        listeners.add(check);
      });
    await until('view up', () => true, 10_000);

    // Boxes: the bulk in three processes, and two groups of 500 in processes of their own to kill.
    const bulk = BOXES - 2 * GROUP;
    const parts = [
      [0, Math.ceil(bulk / 3)],
      [Math.ceil(bulk / 3), Math.ceil(bulk / 3)],
      [2 * Math.ceil(bulk / 3), bulk - 2 * Math.ceil(bulk / 3)],
      [bulk, GROUP],
      [bulk + GROUP, GROUP],
    ];
    // Connect time counts from the moment the first box process starts creating its boxes.
    let t0 = Number.POSITIVE_INFINITY;
    const procs = parts.map(([first, count]) => {
      const c = spawnChild('./fleet-boxes.ts', [
        broker.url,
        String(first),
        String(count),
        String(KEEPALIVE_S),
        String(HEALTH_S),
        HEARTBEAT,
      ]);
      c.on('message', (m: { started?: number }) => {
        if (m.started) t0 = Math.min(t0, m.started);
      });
      return c;
    });
    debug('connecting', JSON.stringify(last?.summary));
    const allOnline = await until('all online', (r) => r.summary.online >= BOXES, 300_000);
    const connectS = (allOnline.at - t0) / 1000;
    // The $SYS counters lag by up to sys_interval: read them once they caught up.
    await new Promise((r) => setTimeout(r, 2500));
    const sysConnected = { ...last!.sys };

    // Steady state at the health cadence: what the broker receives and sends per second.
    const steadyS = 20;
    const s1 = { ...last!.sys };
    const t1 = Date.now();
    // A running box shown silent is a false alarm: none may happen while the fleet is healthy.
    let steadySilentMax = 0;
    const countSilent = (r: ViewReport) => {
      steadySilentMax = Math.max(steadySilentMax, r.summary.silent);
    };
    listeners.add(countSilent);
    await new Promise((r) => setTimeout(r, steadyS * 1000));
    listeners.delete(countSilent);
    const s2 = { ...last!.sys };
    const rate = (a: Record<string, number>, b: Record<string, number>, k: string, secs: number) =>
      Math.round(((b[k] ?? 0) - (a[k] ?? 0)) / secs);
    const window = (Date.now() - t1) / 1000;

    // A view started now knows the fleet from retained messages alone: the real CLI.
    debug('steady; fresh fleet --json', JSON.stringify(last?.summary));
    const cliStart = Date.now();
    const cli = runCli(['fleet', '--broker', broker.url, '--json', '--settle-ms', '1000']);
    let cliOut = '';
    cli.child.stdout!.removeAllListeners('data');
    cli.child.stdout!.on('data', (d: Buffer) => {
      cliOut += d.toString();
    });
    const cliCode = await cli.exited;
    const snapshot = JSON.parse(cliOut) as { summary: Summary; tills: unknown[] };
    const cliS = (Date.now() - cliStart) / 1000;

    debug('measuring the view', JSON.stringify(last?.summary));
    const measured = await new Promise<Record<string, number>>((resolve) => {
      const onMsg = (m: { measured?: Record<string, number> }) => {
        if (!m.measured) return;
        view.off('message', onMsg);
        resolve(m.measured);
      };
      view.on('message', onMsg);
      view.send({ measure: true });
    });

    const bar = KEEPALIVE_S * 1.5 * 1000;
    // The view times each till of a group from the signal on: first shown offline, and offline as
    // reported (its Last Will).
    type Tracked = { tracked: string; shown: number[]; reported: number[] };
    const trackGroup = (id: string, first: number, signal: () => void, deadlineMs: number) =>
      new Promise<Tracked>((resolve) => {
        const onMsg = (m: Tracked) => {
          if (m.tracked !== id) return;
          view.off('message', onMsg);
          resolve(m);
        };
        view.on('message', onMsg);
        const tills = Array.from({ length: GROUP }, (_, k) => boxName(first + k));
        const at = Date.now();
        view.send({ track: { id, tills, at, deadlineMs } });
        signal();
      });
    // 500 killed: their sockets close, the broker publishes their Last Wills at once.
    debug('kill 500', JSON.stringify(last?.summary));
    const killed = await trackGroup('killed', bulk, () => procs[3]!.kill('SIGKILL'), 5 * bar);
    // 500 hung: sockets stay open and silent; their heartbeats stop, the broker's keepalive check
    // fires their Last Wills much later.
    debug('hang 500', JSON.stringify(last?.summary));
    const hung = await trackGroup('hung', bulk + GROUP, () => procs[4]!.kill('SIGSTOP'), 60_000);
    procs[4]!.kill('SIGKILL');
    const pct = (xs: number[]) => {
      const p = percentiles(xs);
      return { p50: p.p50, p99: p.p99, max: p.max, n: p.n };
    };
    const killedShown = pct(killed.shown);
    const hungShown = pct(hung.shown);
    const hungWill = pct(hung.reported);

    debug('done', JSON.stringify(last?.summary));
    const out = {
      boxes: BOXES,
      processes: parts.length,
      keepalive_s: KEEPALIVE_S,
      health_interval_s: HEALTH_S,
      heartbeat_s: HEARTBEAT === '' ? KEEPALIVE_S / 2 : Number(HEARTBEAT),
      connect_all_s: Math.round(connectS * 10) / 10,
      connect_rate_per_s: Math.round(BOXES / connectS),
      broker_clients_connected: sysConnected['clients/connected'],
      view_msgs_during_connect: sysConnected.view_received,
      view_msgs_steady_per_s: rate(s1, s2, 'view_received', window),
      view_heartbeats_steady_per_s: rate(s1, s2, 'view_heartbeats', window),
      steady_false_silent_max: steadySilentMax,
      broker_kb_in_steady_per_s: Math.round(rate(s1, s2, 'bytes/received', window) / 1024),
      broker_kb_out_steady_per_s: Math.round(rate(s1, s2, 'bytes/sent', window) / 1024),
      view_lists: last!.summary.tills,
      fresh_cli_exit: cliCode,
      fresh_cli_lists: snapshot.tills.length,
      fresh_cli_online: snapshot.summary.online,
      fresh_cli_s: Math.round(cliS * 10) / 10,
      view_rss_mb: measured.rss_mb,
      view_heap_used_mb: measured.heap_used_mb,
      view_refresh_full_table_ms: measured.refresh_full_table_ms,
      view_refresh_screen_ms: measured.refresh_screen_ms,
      killed: GROUP,
      killed_shown_offline_ms: killedShown,
      hung: GROUP,
      hung_shown_offline_ms: hungShown,
      // Mosquitto's keepalive check: due 1.5 × keepalive after a box's last packet, in fact later.
      hung_last_will_ms: hungWill,
      bar: `all listed; ${GROUP} killed and ${GROUP} hung each shown offline within 1.5 × keepalive (${bar} ms), no false alarm`,
      ok:
        last!.summary.tills === BOXES &&
        snapshot.tills.length === BOXES &&
        killedShown.n === GROUP &&
        killedShown.max <= bar &&
        steadySilentMax === 0,
      hung_ok: hungShown.n === GROUP && hungShown.max <= bar,
    };
    console.log(JSON.stringify({ bench: 'fleet', ...out }));
    return out;
  } finally {
    kill();
    await broker.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchFleet();
  process.exit(0);
}
