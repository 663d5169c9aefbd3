// The accounting of a fault soak run: what the tills sent and heard, what the provider's ledger
// holds, what the scanners sent and the till saw, how fast replugged scanners came back, and what
// the box held open. Each check gives the offenders by name (empty when it holds) and a table row.
import type { Figure } from '../figures.ts';
import type { ScanClass } from './_scanners.ts';
import { keyOf, type SoakRun } from './_soak.ts';

type Row = Extract<Figure, { kind: 'row' }>;

export const RECOVERY_BAR_MS = 1000;
/**
 * RSS floor growth allowed over the replugs, beyond the drift of the floor over as long again
 * without replugs (the same process, the same load, measured in the same run). The floors of this
 * process taken seconds apart without replugs differ by about 1 MiB here (JIT code, malloc arenas,
 * SQLite's page cache); 4 MiB over 100 replugs is 40 KiB a replug: a leak that size or more fails.
 */
export const RSS_SLACK_KIB = 4096;
/** Sockets beyond those held in the control period (provider keep-alive connections come and go
 * with the load; the tills' and the listeners' are fixed). */
export const SOCKET_SLACK = 4;
/** Other descriptors beyond those held before: a worker thread sampling the system holds its own
 * epoll, eventfds and pipes while it runs (16 seen), and a window may not escape one. A leak of one
 * per replug crosses this within the full run's 100; the short run's few replugs are judged by their
 * ttys. */
export const OTHER_SLACK = 20;

const n = (x: number) => x.toLocaleString('en-US');
const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;
const signed = (kib: number) => `${kib >= 0 ? '+' : ''}${mib(kib)}`;

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function tally(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${n(v)}`)
    .join('; ');
}

export interface SoakCount {
  rows: Row[];
  /** Transactions with no answer at all. */
  unanswered: string[];
  /** Turnovers answered with anything but ok booked/queued. */
  refused: string[];
  /** Turnovers answered ok and not in the provider's ledger. */
  notDelivered: string[];
  /** Transactions with more than one effect, or effects nobody asked for / under a foreign key. */
  doubled: string[];
  /** Promised scans not published exactly once. */
  scansNotOnce: string[];
  /** Scans of any class published more than once. */
  scansTwice: string[];
  /** Recoveries over the bar, in ms. */
  slowRecoveries: number[];
  /** Open file growth beyond the thresholds, described. */
  fdGrowth: string[];
  /** RSS floor growth beyond the threshold, described. */
  rssGrowth: string[];
}

export function countSoak(run: SoakRun): SoakCount {
  const requests = run.tills.flatMap((t) => [...t.requests.values()]);
  const turnovers = requests.filter((r) => r.op === 'loyalty/turnover');
  const identifies = requests.filter((r) => r.op === 'loyalty/identify');
  const unanswered = requests.filter((r) => r.answers.length === 0).map((r) => r.transaction);
  const okTurnover = (a: { status: string; data?: { state?: string } }) =>
    a.status === 'ok' && (a.data?.state === 'booked' || a.data?.state === 'queued');
  const refused = turnovers
    .filter((r) => !r.answers.every(okTurnover))
    .map((r) => `${r.transaction}: ${r.answers.map((a) => JSON.stringify(a.error ?? a.data)).join(', ')}`);

  const effects = run.sim.ledger.effects();
  const perTransaction = new Map<string, number>();
  for (const e of effects)
    perTransaction.set(e.transaction_id, (perTransaction.get(e.transaction_id) ?? 0) + 1);
  const asked = new Set(turnovers.map((r) => r.transaction));
  const notDelivered = turnovers
    .filter((r) => r.answers.length > 0 && (perTransaction.get(r.transaction) ?? 0) === 0)
    .map((r) => r.transaction);
  const doubled = [
    ...[...perTransaction].filter(([, c]) => c > 1).map(([tx, c]) => `${tx} ×${c}`),
    ...effects
      .filter((e) => !asked.has(e.transaction_id) || e.kind !== 'purchase')
      .map((e) => `${e.kind} ${e.transaction_id}: not asked for`),
    ...effects
      .filter((e) => e.idempotency_key !== keyOf(e.transaction_id))
      .map((e) => `${e.transaction_id}: under key ${e.idempotency_key}`),
  ];
  const publishes = requests.reduce((s, r) => s + r.sends, 0);
  const resends = run.tills.reduce((s, t) => s + t.resends, 0);

  const scans = [...run.scanners.scans.values()];
  const of = (cls: ScanClass) => scans.filter((s) => s.cls === cls);
  const once = (list: typeof scans) => list.filter((s) => s.published.length === 1).length;
  const promised = of('promised');
  const scansNotOnce = promised.filter((s) => s.published.length !== 1).map((s) => s.text);
  const scansTwice = scans.filter((s) => s.published.length > 1).map((s) => `${s.text} (${s.cls})`);
  const latencies = promised
    .filter((s) => s.published.length > 0)
    .map((s) => s.published[0]! - s.sentAt)
    .sort((a, b) => a - b);
  const unplugged = run.scanners.devices.reduce((s, d) => s + d.attemptsUnplugged, 0);

  const recoveries = [...run.scanners.recoveries].sort((a, b) => a - b);
  const slowRecoveries = recoveries.filter((ms) => ms > RECOVERY_BAR_MS);
  const announced = [...run.scanners.announcements].sort((a, b) => a - b);
  const replugs = run.replugs.duringKills + run.replugs.warmUp + run.replugs.inOneLife;

  const { before, after, controlDriftKiB, controlSockets, cyclesMs } = run.oneLife;
  const rssAllowedKiB = Math.max(0, ...controlDriftKiB) + RSS_SLACK_KIB;
  const socketsAllowed = Math.max(before.fds.sockets, controlSockets) + SOCKET_SLACK;
  const growth: string[] = [];
  const rssGrowth: string[] = [];
  if (after.fds.ttys !== run.scanners.devices.length || before.fds.ttys !== run.scanners.devices.length)
    growth.push(`ttys open ${before.fds.ttys} → ${after.fds.ttys}, scanners ${run.scanners.devices.length}`);
  if (after.fds.other > before.fds.other + OTHER_SLACK)
    growth.push(`other fds ${before.fds.other} → ${after.fds.other}, allowed +${OTHER_SLACK}`);
  if (after.fds.sockets > socketsAllowed)
    growth.push(`sockets ${before.fds.sockets} → ${after.fds.sockets}, allowed ${socketsAllowed}`);
  if (after.rssKiB - before.rssKiB > rssAllowedKiB)
    rssGrowth.push(`RSS ${mib(before.rssKiB)} → ${mib(after.rssKiB)}, allowed +${mib(rssAllowedKiB)}`);

  const row = (what: string, figure: string, bar: string, failures: number): Row => ({
    kind: 'row',
    section: 'faults',
    what,
    figure,
    bar,
    failures,
  });
  const answers = (list: typeof requests) =>
    tally(
      list.flatMap((r) =>
        r.answers.map((a) => (a.status === 'ok' ? (a.data?.state ?? 'ok') : a.error!.code)),
      ),
    );
  const scanRow = (cls: ScanClass, what: string, bar: string, failures: number) => {
    const list = of(cls);
    return row(what, `${n(list.length)} sent, ${n(once(list))} published once`, bar, failures);
  };
  const weather = Object.entries(run.weather)
    .map(([k, w]) => `${k} ${w.count}× ${(w.ms / 1000).toFixed(1)} s`)
    .join('; ');
  const rows = [
    row(
      'run',
      `seed ${run.seed}; ${run.kills} SIGKILLs, ${n(replugs)} replugs (${run.replugs.inOneLife} in one life); ` +
        `${run.tills.length} tills (2 TCP, 1 WebSocket), ${run.scanners.devices.length} serial scanners; ` +
        `${run.minutes.toFixed(1)} min`,
      'SOAK_SEED replays the choices',
      0,
    ),
    row(
      'provider weather',
      weather,
      'every kind',
      Object.values(run.weather).filter((w) => w.count === 0).length,
    ),
    row(
      'requests sent',
      `${n(requests.length)} transactions (${n(turnovers.length)} turnovers, ${n(identifies.length)} identify); ` +
        `${n(publishes)} publishes, ${n(resends)} of them re-sent by a till after a kill or a long wait`,
      '',
      0,
    ),
    row(
      'requests answered',
      `${n(requests.length - unanswered.length)} of ${n(requests.length)}`,
      'all',
      unanswered.length,
    ),
    row('turnover answers', answers(turnovers), 'ok booked/queued only', refused.length),
    row('identify answers', answers(identifies), 'one each', 0),
    row(
      'turnovers delivered to the provider',
      `${n(turnovers.length - notDelivered.length)} of ${n(turnovers.length)} (ledger: ${n(effects.length)} effects)`,
      'all',
      notDelivered.length,
    ),
    row(
      'requests lost',
      n(unanswered.length + notDelivered.length),
      '0',
      unanswered.length + notDelivered.length,
    ),
    row('duplicated in effect', n(doubled.length), '0', doubled.length),
    scanRow(
      'promised',
      'scans while the box was up and the scanner announced online',
      'each exactly once',
      scansNotOnce.length,
    ),
    scanRow('cut', 'scans in flight when the box was killed', 'not promised; never twice', 0),
    scanRow(
      'dead',
      'scans while the box was dead (kept by the tty, read at the next start)',
      'not promised; never twice',
      0,
    ),
    scanRow(
      'attaching',
      'scans after a replug or start, before the scanner was announced',
      'not promised; never twice',
      0,
    ),
    row(
      'scan latency under this load (written to the tty → the till has it), promised scans',
      `p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, max ${latencies.at(-1)} ms`,
      'informative (the bar is a benchmark on a quiet box)',
      0,
    ),
    row('scan attempts while unplugged', `${n(unplugged)} (no tty to write to)`, '', 0),
    row('scans published twice', n(scansTwice.length), '0', scansTwice.length),
    row(
      'recovery after replug (replug → first scan published)',
      `${n(recoveries.length)} measured (${run.scanners.unmeasured} cut short by a kill): ` +
        `p50 ${percentile(recoveries, 50)} ms, p99 ${percentile(recoveries, 99)} ms, max ${recoveries.at(-1)} ms`,
      `≤ ${RECOVERY_BAR_MS} ms`,
      slowRecoveries.length,
    ),
    row(
      'replug → the till hears the scanner online (discovery and attach)',
      `p50 ${percentile(announced, 50)} ms, p99 ${percentile(announced, 99)} ms, max ${announced.at(-1)} ms`,
      'informative: the part of the recovery that is not scan latency',
      0,
    ),
    row(
      `open files of the box, ${run.replugs.inOneLife} replugs in one life`,
      `${before.fds.total} → ${after.fds.total} (ttys ${before.fds.ttys} → ${after.fds.ttys}, ` +
        `sockets ${before.fds.sockets} → ${after.fds.sockets}, other ${before.fds.other} → ${after.fds.other})`,
      `ttys = scanners, other ≤ before + ${OTHER_SLACK}, sockets ≤ max(before, control ${controlSockets}) + ${SOCKET_SLACK}`,
      growth.length,
    ),
    row(
      `RSS floor of the box, ${run.replugs.inOneLife} replugs in one life (${(cyclesMs / 1000).toFixed(0)} s)`,
      `${mib(before.rssKiB)} → ${mib(after.rssKiB)} (${signed(after.rssKiB - before.rssKiB)}); ` +
        `floor drift without replugs, as long, before ${signed(controlDriftKiB[0])} and after ${signed(controlDriftKiB[1])}`,
      `growth ≤ larger drift + ${mib(RSS_SLACK_KIB)}`,
      rssGrowth.length,
    ),
  ];
  return {
    rows,
    unanswered,
    refused,
    notDelivered,
    doubled,
    scansNotOnce,
    scansTwice,
    slowRecoveries,
    fdGrowth: growth,
    rssGrowth,
  };
}
