// The fault soak (issue 12): the real box under a steady load of scans and loyalty requests while
// its provider cycles through outages, 5xx/429 storms, slow answers and lost responses, the box is
// killed with SIGKILL at random moments and its scanners are unplugged and replugged (soak/_soak.ts).
// Inside `npm test` a short version (3 kills, 6 replugs in one life); `npm run proof` runs the full
// soak (20 kills, 100 replugs in one life) and prints its figures. Every choice comes from one seed:
// SOAK_SEED=<n> replays it, SOAK_ROUNDS / SOAK_CYCLES change the length.
import test from 'ava';
import { record, runScale } from './figures.ts';
import { countSoak } from './soak/_count.ts';
import { runSoak } from './soak/_soak.ts';

const full = runScale > 1;
const rounds = Number(process.env.SOAK_ROUNDS) || (full ? 20 : 3);
const cycles = Number(process.env.SOAK_CYCLES) || (full ? 100 : 6);

test('fault soak: kills, provider faults and replugs lose no request, double no booking, and every scanner comes back', async (t) => {
  // A deadline, not a budget: a loaded 2-core machine starts the box as slowly as it must.
  t.timeout(full ? 900_000 : 180_000);
  const seed = Number(process.env.SOAK_SEED) || Math.floor(Math.random() * 2 ** 31);
  t.log(`seed ${seed} (rerun: SOAK_SEED=${seed} npx ava test/proof/fault-soak.test.ts)`);
  const run = await runSoak({
    seed,
    rounds,
    cycles,
    windowMs: full ? 3000 : 1000,
    memory: full,
    lifeMs: full ? [300, 2500] : [300, 1000],
    log: (line) => t.log(line),
  });
  try {
    const count = countSoak(run);
    for (const r of count.rows) t.log(`${r.what}: ${r.figure}${r.bar ? ` [bar: ${r.bar}]` : ''}`);
    for (const r of count.rows) record(r);

    // The run really crossed the faults it is about.
    t.is(run.kills, rounds);
    t.true(run.replugs.inOneLife + run.replugs.duringKills >= cycles);
    t.true(
      run.tills.some((till) => till.resends > 0),
      'a till re-sent a request with the same transaction after a kill',
    );

    // Requests: every one answered, every turnover accepted and booked exactly once in effect.
    t.deepEqual(count.unanswered, [], `every request answered (seed ${seed})`);
    t.deepEqual(count.refused, [], `every turnover answered ok, booked or queued (seed ${seed})`);
    t.deepEqual(count.notDelivered, [], `every answered turnover in the provider's ledger (seed ${seed})`);
    t.deepEqual(count.doubled, [], `nothing booked twice or unasked (seed ${seed})`);
    t.deepEqual(
      { depth: run.outbox.depth, dead: run.outbox.dead },
      { depth: 0, dead: 0 },
      'the outbox drained',
    );

    // Scans: every promised one exactly once, none of any kind twice; replugged scanners back in time.
    t.true(
      [...run.scanners.scans.values()].some((s) => s.cls === 'promised'),
      'scans were promised at all',
    );
    t.deepEqual(count.scansNotOnce, [], `every scan while online published exactly once (seed ${seed})`);
    t.deepEqual(count.scansTwice, [], `no scan published twice (seed ${seed})`);
    // Every replug was followed by a published scan (the run waits for each, with a deadline, before
    // the next replug of that scanner); how fast is a figure with its bar, not a timed assertion.
    t.true(run.scanners.recoveries.length >= cycles, 'every replug of the one-life run was timed');

    // The box's process holds no more after the replugs than before: descriptors exactly; memory
    // in the full soak only, as a handful of replugs cannot move RSS beyond its noise.
    t.deepEqual(count.fdGrowth, [], `no growth of open files over ${cycles} replugs`);
    if (full) t.deepEqual(count.rssGrowth, [], `no growth of the RSS floor over ${cycles} replugs`);
  } finally {
    await run.cleanup();
  }
});
