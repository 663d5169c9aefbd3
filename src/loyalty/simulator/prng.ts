// A small seeded PRNG (mulberry32) so that a fault-injection run can be replayed exactly: the same seed
// and the same request order give the same resets, errors and latencies (task brief: reproducible runs).

export type Random = () => number;

/** Uniform in [0, 1). */
export function createRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
