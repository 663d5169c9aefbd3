// Percentiles for benchmark samples (milliseconds).
export function percentiles(samples: number[]): {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  n: number;
} {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
  const r = (n: number) => Math.round(n * 1000) / 1000;
  return {
    p50: r(at(0.5)),
    p90: r(at(0.9)),
    p99: r(at(0.99)),
    max: r(s[s.length - 1] ?? Number.NaN),
    n: s.length,
  };
}

export const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
