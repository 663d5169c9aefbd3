// The provider's weather during the fault soak: the simulator cycles through calm, full outage,
// 5xx storms, 429 storms (with Retry-After), slow answers (some beyond the gateway's timeout) and
// lost responses (the effect is booked, the answer never arrives), in seeded order and lengths.
import type { FaultPatch, Simulator } from '../../../src/loyalty/simulator/index.ts';
import type { Random } from '../../../src/loyalty/simulator/prng.ts';

export const WEATHER: Record<string, (random: Random) => FaultPatch> = {
  calm: () => ({}),
  outage: () => ({ outage: true }),
  '5xx storm': (random) => ({ errorRate: 0.7, errorStatus: [500, 502, 503, 504][Math.floor(random() * 4)]! }),
  '429 storm': () => ({ rateLimitRate: 0.7, retryAfterS: 1 }),
  // The rig's provider timeout is 1 s: the slowest of these answers come after it.
  'slow answers': () => ({ latencyMs: 300, latencyJitterMs: 1200 }),
  'lost responses': () => ({ lostResponseRate: 0.5 }),
};

export interface Weather {
  /** How long each kind of weather lasted in all, in ms. */
  readonly spells: Record<string, { count: number; ms: number }>;
  stop(): Promise<void>;
}

export function startWeather(sim: Simulator, random: Random): Weather {
  const spells: Weather['spells'] = Object.fromEntries(
    Object.keys(WEATHER).map((k) => [k, { count: 0, ms: 0 }]),
  );
  const names = Object.keys(WEATHER);
  let running = true;
  let wake: () => void = () => {};
  const loop = (async () => {
    while (running) {
      const name = names[Math.floor(random() * names.length)]!;
      const ms = 150 + Math.floor(random() * 750);
      sim.faults.clear();
      sim.faults.set(WEATHER[name]!(random));
      spells[name]!.count++;
      spells[name]!.ms += ms;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    sim.faults.clear();
  })();
  return {
    spells,
    async stop() {
      running = false;
      wake();
      await loop;
    },
  };
}
