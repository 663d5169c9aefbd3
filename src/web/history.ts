// The last hour for the status page's chart (issue 9): scans per minute, provider latency and
// outbox depth, one point a minute. Scans are counted as they happen (an increment on the scan
// path, nothing more); latency and depth are sampled on a slow timer, never per scan.
export interface HistoryPoint {
  /** Start of the minute, epoch ms. */
  t: number;
  scans: number;
  /** Highest provider latency seen in the minute (ms), null without provider traffic. */
  latency_ms: number | null;
  /** Outbox depth at the last sample of the minute. */
  depth: number;
}

export interface History {
  countScan(): void;
  /** `answeredAt` marks a new provider answer (the link keeps only the last one's latency). */
  sample(latencyMs: number | null, answeredAt: string | null, depth: number): void;
  points(): HistoryPoint[];
}

const MINUTE = 60_000;

export function createHistory(minutes = 60, now = Date.now): History {
  const points: HistoryPoint[] = [];
  let lastAnswer: string | null = null;
  const current = (): HistoryPoint => {
    const t = Math.floor(now() / MINUTE) * MINUTE;
    let last = points[points.length - 1];
    if (!last || last.t !== t) {
      last = { t, scans: 0, latency_ms: null, depth: last?.depth ?? 0 };
      points.push(last);
      while (points.length > 0 && points[0]!.t <= t - minutes * MINUTE) points.shift();
    }
    return last;
  };
  return {
    countScan() {
      current().scans++;
    },
    sample(latencyMs, answeredAt, depth) {
      const p = current();
      if (latencyMs !== null && answeredAt !== null && answeredAt !== lastAnswer) {
        p.latency_ms = Math.max(p.latency_ms ?? 0, latencyMs);
      }
      lastAnswer = answeredAt;
      p.depth = depth;
    },
    points() {
      current();
      return points.map((p) => ({ ...p }));
    },
  };
}
