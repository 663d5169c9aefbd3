// How far a p99 ratio of an ABBA run (bench/page-abba.ts) can be trusted. A p99 of a few thousand
// scans rests on a few dozen of them, and on this shared machine those are mostly set by bursts of
// other work, which come in runs: resampling single scans would pretend they are independent. So
// the resampling unit is the ABBA quad (closed, open, open, closed blocks, a few seconds of one
// load), drawn with replacement: the interval says how much the ratio moves with which stretch of
// the run the slow scans fell in.
import { createRandom } from '../src/loyalty/simulator/prng.ts';
import { percentiles } from './stats.ts';

export interface Quad {
  closed: number[];
  open: number[];
}

/** The 5th and 95th percentile of the pooled p99 ratio (open / closed) over resampled quads. */
export function quadBootstrap(quads: Quad[], rounds = 400): [number, number] {
  // Seeded (the simulator's mulberry32): the interval is the same for the same samples.
  const next = createRandom(quads.length * 7919 + (quads[0]?.closed.length ?? 0));
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const closed: number[] = [];
    const open: number[] = [];
    for (let i = 0; i < quads.length; i++) {
      const q = quads[Math.floor(next() * quads.length)]!;
      for (const v of q.closed) closed.push(v);
      for (const v of q.open) open.push(v);
    }
    ratios.push(percentiles(open).p99 / percentiles(closed).p99);
  }
  ratios.sort((a, b) => a - b);
  const at = (q: number) => Math.round(ratios[Math.floor(q * (ratios.length - 1))]! * 100) / 100;
  return [at(0.05), at(0.95)];
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
