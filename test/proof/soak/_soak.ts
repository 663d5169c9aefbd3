// The fault soak (issue 12; DESIGN §3 "every scan once", "exactly one answer", §5 "survives kill -9
// … none twice in effect", §6 hotplug, §10 faults): the real `edge-gateway start` as a child with
// the unit's node flags, provisioned with till logins, serving three tills (two over TCP, one over
// WebSocket) that sell and identify without pause, and three serial scanners on socat ptys that scan
// without pause. The provider's weather changes every few hundred ms (_weather.ts). Meanwhile:
// 1. kill rounds: the box is killed with SIGKILL at random moments and restarted on the same data
//    dir and ports, while scanners are unplugged and replugged at random;
// 2. a replug run: one life of the box, many replug cycles, its open files and memory read from
//    /proc before and after;
// then the provider calms down, the tills re-send what is still unanswered, the outbox drains, and
// the ledger of the provider simulator (which outlives every kill) is counted.
// Everything random comes from one seed, in separate streams per actor.
import { readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createSimulator, type Simulator } from '../../../src/loyalty/simulator/index.ts';
import { createRandom, type Random } from '../../../src/loyalty/simulator/prng.ts';
import { provisionBox } from '../../durability/_box.ts';
import { BIN, type Running, runGatewayProcess } from '../../helpers/cli.ts';
import { sleep, tempDir, waitUntil } from '../../helpers/gateway.ts';
import { freePort } from '../../helpers/mosquitto.ts';
import { unitNodeFlags } from '../../helpers/unit-flags.ts';
import { BUYERS, keyOf, waitForDrain } from '../../loyalty/crash/_rig.ts';
import { type Scanners, startScanners } from './_scanners.ts';
import { type SoakTill, startTill } from './_tills.ts';
import { startWeather, type Weather } from './_weather.ts';

export interface SoakOptions {
  seed: number;
  /** Kills of the box. */
  rounds: number;
  /** Replug cycles within one life of the box (the fd and memory figure). */
  cycles: number;
  /** How long each RSS floor is sampled. */
  windowMs: number;
  /** Judge memory too: control periods without replugs before and after the replugs. */
  memory: boolean;
  /** Lives of the box in the kill rounds: from ready to SIGKILL, at random within this range. */
  lifeMs: [number, number];
  log: (line: string) => void;
}

/** What one process holds open, by kind (from /proc/PID/fd). */
export interface OpenFiles {
  total: number;
  ttys: number;
  sockets: number;
  other: number;
}

export interface Process {
  fds: OpenFiles;
  rssKiB: number;
}

export interface SoakRun {
  seed: number;
  sim: Simulator;
  tills: SoakTill[];
  scanners: Scanners;
  weather: Weather['spells'];
  kills: number;
  /** Replug cycles during the kill rounds and during the replug run. */
  replugs: { duringKills: number; warmUp: number; inOneLife: number };
  /** The box's process before and after the replug run (one process), each with every scanner back. */
  oneLife: {
    before: Process;
    after: Process;
    cyclesMs: number;
    /** How the RSS floor moved without replugs (the same process and load, about as long as the
     * replugs took) just before them and just after them. */
    controlDriftKiB: [number, number];
    /** The sockets it held then (provider connections come and go with the load). */
    controlSockets: number;
  };
  /** Every till request has an answer after the last restart (or the deadline passed). */
  outbox: { depth: number; dead: number };
  minutes: number;
  cleanup(): Promise<void>;
}

const TILL_LOGINS = [
  { username: 'till-pos', password: 'soak-pass-pos' },
  { username: 'till-kiosk', password: 'soak-pass-kiosk' },
  { username: 'till-web', password: 'soak-pass-web' },
];
const BASE = 'pos/T1';
const SCANNERS = 3;

export function openFiles(pid: number): OpenFiles {
  const fds = { total: 0, ttys: 0, sockets: 0, other: 0 };
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed while listing
    }
    fds.total++;
    if (target.startsWith('/dev/pts/') || target.startsWith('/dev/tty')) fds.ttys++;
    else if (target.startsWith('socket:')) fds.sockets++;
    else fds.other++;
  }
  return fds;
}

export function rssKiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  return Number(line?.[1] ?? 0);
}

export async function runSoak(opts: SoakOptions): Promise<SoakRun> {
  const started = Date.now();
  const { seed, log } = opts;
  // One stream per actor: the kill moments do not shift when the load draws more numbers.
  const stream = (k: number): Random => createRandom((seed ^ (k * 0x9e3779b1)) >>> 0);
  const [killRandom, plugRandom, loadRandom, feedRandom, weatherRandom] = [
    stream(1),
    stream(2),
    stream(3),
    stream(4),
    stream(5),
  ];

  const sim = await createSimulator({ host: '127.0.0.1', port: 0, seed });
  const dataDir = tempDir('edge-soak-');
  const ptyDir = tempDir('edge-soak-tty-');
  await provisionBox(dataDir, sim.url, TILL_LOGINS);
  const ports = { mqtt: await freePort(), ws: await freePort(), http: await freePort() };
  const scanners = await startScanners(ptyDir, SCANNERS);

  let box: Running | undefined;
  let ready: { http_port: number } | undefined;
  const start = async () => {
    box = runGatewayProcess(
      process.execPath,
      [...unitNodeFlags(), BIN, 'start', '--config', join(dataDir, 'config.json')],
      {
        EDGE_DATA_DIR: dataDir,
        EDGE_MQTT_PORT: String(ports.mqtt),
        EDGE_MQTT_WS_PORT: String(ports.ws),
        EDGE_HTTP_PORT: String(ports.http),
        EDGE_SERIAL_DEVICES: scanners.devices.map((d) => `${d.pty.device}=generic-serial`).join(','),
        EDGE_LOG_LEVEL: process.env.SOAK_LOG_LEVEL ?? 'warn',
      },
    );
    ready = await box.ready;
    scanners.boxUp();
  };
  const kill = async () => {
    const b = box!;
    b.child.kill('SIGKILL');
    scanners.boxDown(tills[0]!.connection);
    await b.exited;
  };

  const tills = TILL_LOGINS.map((login, i) =>
    startTill({
      name: login.username,
      url: i === 2 ? `ws://127.0.0.1:${ports.ws}/mqtt` : `mqtt://127.0.0.1:${ports.mqtt}`,
      ...login,
      base: BASE,
      overdueMs: 5000,
      // The first till is the one that shows the scans.
      watch:
        i === 0
          ? {
              filters: [`${BASE}/scan`, `${BASE}/device/+/availability`],
              on(topic, body, at, connection) {
                if (topic === `${BASE}/scan`) scanners.published(String(body.text), at);
                else scanners.availability(topic.split('/')[3]!, String(body.state), connection);
              },
            }
          : undefined,
    }),
  );

  let weather: Weather | undefined;
  let loading = true;
  let n = 0;
  const sell = async (till: SoakTill) => {
    while (loading) {
      // A till rings up the next sale once the last few have their answer (or the box is back).
      if (till.unanswered().length < 3) {
        const tx = `soak-${seed}-${++n}`;
        const buyer = BUYERS[Math.floor(loadRandom() * BUYERS.length)]!;
        if (loadRandom() < 0.2) {
          till.send('loyalty/identify', tx, { code: buyer.code ?? BUYERS[4]!.code, entry: 'scan' });
        } else {
          till.send('loyalty/turnover', tx, {
            ...buyer,
            receipt_number: `R-${n}`,
            amount_cents: 100 + Math.floor(loadRandom() * 9900),
            currency: 'EUR',
            receipt_datetime: '2026-12-01T10:00:00+01:00',
          });
        }
      }
      await sleep(40 + Math.floor(loadRandom() * 80));
    }
  };

  let plugging = true;
  let replugsDuringKills = 0;
  const plugLoop = async () => {
    while (plugging) {
      const d = scanners.devices[Math.floor(plugRandom() * scanners.devices.length)]!;
      // Lives shorter than a till's reconnect never announce a scanner to it: while the kills go
      // on, a scanner waits for a life that does, however many kills that takes. (The replug run
      // afterwards, in one life, holds every scanner to its deadline.)
      await waitUntil(
        () => !plugging || (d.announced && d.replugAt === undefined),
        `${d.id} is announced again during the kill rounds`,
        600_000,
      );
      if (!plugging) break;
      await scanners.replug(d, 30 + Math.floor(plugRandom() * 300));
      replugsDuringKills++;
      await sleep(100 + Math.floor(plugRandom() * 500));
    }
  };

  const cleanup = async () => {
    loading = false;
    plugging = false;
    await weather?.stop();
    await Promise.all(tills.map((t) => t.end()));
    if (box && box.child.exitCode === null && box.child.signalCode === null) {
      box.child.kill('SIGKILL');
      await box.exited;
    }
    await scanners.stop();
    await sim.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(ptyDir, { recursive: true, force: true });
  };

  try {
    log(`provisioned, scanners plugged (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    await start();
    await Promise.all(tills.map((t) => t.connected()));
    weather = startWeather(sim, weatherRandom);
    scanners.feed(feedRandom);
    const sellers = tills.map(sell);

    // 1. Kill rounds, with replugs at random meanwhile.
    const plugger = plugLoop();
    for (let round = 1; round <= opts.rounds; round++) {
      const lifeMs = opts.lifeMs[0] + Math.floor(killRandom() * (opts.lifeMs[1] - opts.lifeMs[0]));
      await sleep(lifeMs);
      await kill();
      const deadMs = Math.floor(killRandom() * 500);
      await sleep(deadMs);
      await start();
      log(
        `round ${round}: killed after ${lifeMs} ms, dead ${deadMs} ms; ${n} requests so far ` +
          `(${((Date.now() - started) / 1000).toFixed(1)} s)`,
      );
    }
    plugging = false;
    await plugger;

    // 2. One life, many replugs: what it holds open before and after. The tills keep selling; the
    // provider is calm, so that the outbox's backlog does not swing the memory figure.
    await weather.stop();
    await Promise.all(tills.map((t) => t.connected()));
    // Every scanner back and announced, every scan in flight arrived: then /proc is read.
    const quiet = () =>
      waitUntil(
        () => scanners.devices.every((d) => d.announced && d.replugAt === undefined),
        'every scanner is announced online again and has published',
        10_000,
      );
    // RSS swings by tens of MiB for a moment and a worker thread sampling the system opens a dozen
    // descriptors while it runs: the floor of a window of samples is what a leak raises.
    const floor = async (ms: number): Promise<Process> => {
      await quiet();
      const pid = box!.child.pid!;
      const low: Process = { fds: openFiles(pid), rssKiB: rssKiB(pid) };
      for (const until = Date.now() + ms; Date.now() < until; ) {
        await sleep(100);
        const fds = openFiles(pid);
        for (const k of ['total', 'ttys', 'sockets', 'other'] as const)
          low.fds[k] = Math.min(low.fds[k], fds[k]);
        low.rssKiB = Math.min(low.rssKiB, rssKiB(pid));
      }
      return low;
    };
    const replugs = async (count: number) => {
      for (let cycle = 1; cycle <= count; cycle++) {
        const d = scanners.devices[cycle % scanners.devices.length]!;
        await scanners.replug(d, 30 + Math.floor(plugRandom() * 300));
      }
    };
    // Warm-up replugs first: the code paths of a replug are compiled before the first reading.
    await replugs(scanners.devices.length);
    // Controls: the same process under the same load without a replug, before the replugs (when a
    // young process still grows most) and after them, each about as long as the replugs take.
    // (Only where memory is judged: the short run checks descriptors.)
    const controlStart = opts.memory ? await floor(opts.windowMs) : undefined;
    if (opts.memory) await sleep(opts.cycles * 300);
    const before = await floor(opts.windowMs);
    const cyclesStarted = Date.now();
    await replugs(opts.cycles);
    const cyclesMs = Date.now() - cyclesStarted;
    const after = await floor(opts.windowMs);
    if (opts.memory) await sleep(cyclesMs);
    const controlEnd = opts.memory ? await floor(opts.windowMs) : after;
    log(
      `replug run: ${opts.cycles} cycles in ${cyclesMs} ms; control ${JSON.stringify(controlStart)}, ` +
        `before ${JSON.stringify(before)}, after ${JSON.stringify(after)}, control ${JSON.stringify(controlEnd)}`,
    );

    // 3. Calm: the load stops, the tills re-send what has no answer, the outbox drains.
    loading = false;
    await Promise.all(sellers);
    await scanners.stopFeeding(10_000);
    for (const t of tills) t.resendUnanswered();
    await waitUntil(
      () => tills.every((t) => t.unanswered().length === 0),
      'every till request has an answer',
      60_000,
    ).catch((err) => log(String(err)));
    const health = await waitForDrain(ready!.http_port, 60_000);
    log(`drained (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return {
      seed,
      sim,
      tills,
      scanners,
      weather: weather.spells,
      kills: opts.rounds,
      replugs: { duringKills: replugsDuringKills, warmUp: scanners.devices.length, inOneLife: opts.cycles },
      oneLife: {
        before,
        after,
        cyclesMs,
        controlDriftKiB: [before.rssKiB - (controlStart ?? before).rssKiB, controlEnd.rssKiB - after.rssKiB],
        controlSockets: Math.max((controlStart ?? before).fds.sockets, controlEnd.fds.sockets),
      },
      outbox: health,
      minutes: (Date.now() - started) / 60_000,
      cleanup,
    };
  } catch (err) {
    // What the box last said about its devices (with SOAK_LOG_LEVEL=info) goes with the failure.
    const said = (box?.lines ?? [])
      .filter((l) => typeof l === 'object' && (String(l.msg).startsWith('device') || l.level === 'error'))
      .slice(-12)
      .map((l) => JSON.stringify(l));
    await cleanup();
    if (err instanceof Error && said.length > 0) err.message += `\nthe box said last:\n${said.join('\n')}`;
    throw err;
  }
}

export { keyOf };
