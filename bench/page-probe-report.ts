// Where the slow scans of a probe run come from (bench/page.ts with BENCH_PAGE_PROBE=1): each scan
// slower than the closed side's p99 is matched to what happened during it: a GC pause or a timer
// callback on the gateway's main thread (bench/page-probe.mjs, same wall clock), the gateway's main
// thread runnable but waiting for a CPU, the timing client's thread waiting, the browser on a CPU
// (/proc schedstat deltas, bench/page-abba.ts). Counted both ways: every cause seen, and one cause
// per scan in that order of precedence (the first that explains it).
import { readFileSync } from 'node:fs';
import type { ProbeSample } from './page-abba.ts';
import { percentiles } from './stats.ts';

type Span = [start: number, duration: number, what: number | string];
const NS = 0.1e6; // 0.1 ms: below that a wait or a burst of CPU does not explain a slow scan

const overlaps = (spans: Span[], at: number, ms: number) =>
  spans.filter(([s, d]) => s < at + ms && s + d > at);

export function probeReport(samples: ProbeSample[], probeFile: string) {
  const { gc, timers } = JSON.parse(readFileSync(probeFile, 'utf8')) as { gc: Span[]; timers: Span[] };
  const closedP99 = percentiles(samples.filter((s) => s.side === 'closed').map((s) => s.ms)).p99;
  const order = ['gc', 'live_feed_timer', 'gateway_waited', 'client_waited', 'browser_ran', 'other_timer'];
  const out: Record<string, unknown> = { slow_means_over_ms: closedP99 };
  for (const side of ['closed', 'open'] as const) {
    const mine = samples.filter((s) => s.side === side);
    const slow = mine.filter((s) => s.ms > closedP99);
    const seen: Record<string, number> = Object.fromEntries(order.map((k) => [k, 0]));
    const first: Record<string, number> = Object.fromEntries([...order, 'none'].map((k) => [k, 0]));
    const timerNames: Record<string, number> = {};
    for (const s of slow) {
      const t = overlaps(timers, s.at, s.ms);
      for (const [, , name] of t) timerNames[name] = (timerNames[name] ?? 0) + 1;
      const live = t.some(([, , name]) => name === 'flushScans' || name === 'sendStatus');
      const causes = {
        gc: overlaps(gc, s.at, s.ms).length > 0,
        live_feed_timer: live,
        gateway_waited: s.gwWait > NS,
        client_waited: s.benchWait > NS,
        browser_ran: s.browserCpu > NS,
        other_timer: !live && t.length > 0,
      } as Record<string, boolean>;
      for (const k of order) if (causes[k]) seen[k]!++;
      first[order.find((k) => causes[k]) ?? 'none']!++;
    }
    const mean = (f: (s: ProbeSample) => number) =>
      Math.round((mine.reduce((a, s) => a + f(s), 0) / mine.length / 1e3) * 10) / 10;
    out[side] = {
      scans: mine.length,
      slow: slow.length,
      causes_seen: seen,
      first_cause: first,
      timers_in_slow_scans: timerNames,
      // Means over all scans of the side, µs: what the side costs on average per scan.
      mean_us: {
        gateway_cpu: mean((s) => s.gwCpu),
        gateway_wait: mean((s) => s.gwWait),
        client_wait: mean((s) => s.benchWait),
        browser_cpu: mean((s) => s.browserCpu),
      },
    };
  }
  return out;
}
