// Returning freed C heap to the kernel (src/appliance/malloc-trim.ts): glibc's real malloc_trim on a
// heap this test fragments itself, and the schedule the gateway runs it on.
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import test from 'ava';
import { loadMallocTrim, scheduleMallocTrim } from '../../src/appliance/malloc-trim.ts';
import { collectingLogger, sleep } from '../helpers/gateway.ts';

const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024;

test.serial('malloc_trim gives back the pages of freed C heap that glibc kept mapped', async (t) => {
  const { logger } = collectingLogger();
  const trim = await loadMallocTrim(logger);
  if (!trim) return t.fail('malloc_trim did not load (koffi and glibc are on every supported box)');
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const before = rssMb();
  // 40 MB of small Buffers (malloc'd backing stores, below glibc's mmap threshold); one in 64 kept,
  // so the freed ones are holes in the middle of the arena that glibc's automatic trim never sees.
  let burst: Buffer[] = [];
  for (let i = 0; i < 40_000; i++) burst.push(Buffer.allocUnsafeSlow(1000));
  const kept = burst.filter((_, i) => i % 64 === 0);
  burst = [];
  gc();
  const freed = rssMb();
  t.true(freed - before > 25, `the burst is in RSS (${before} → ${freed} MB)`);
  // V8's sweeper frees the backing stores in the background after the GC: trim until they are back
  // (on an idle machine the first trim does it), with a generous deadline.
  let trimmed = freed;
  let released = 0;
  const deadline = Date.now() + 15_000;
  while (freed - trimmed <= 25 && Date.now() < deadline) {
    gc();
    released += trim();
    trimmed = rssMb();
    if (freed - trimmed <= 25) await sleep(50);
  }
  t.true(released >= 1, 'malloc_trim reports memory released');
  t.true(freed - trimmed > 25, `RSS after the trim: ${freed} → ${trimmed} MB`);
  t.is(kept.length, 625); // the survivors stay reachable until here
});

test.serial('the trims run after start, then on the interval, and stop when told', async (t) => {
  const { logger, lines } = collectingLogger();
  const calls: number[] = [];
  const t0 = performance.now();
  const stop = scheduleMallocTrim(
    () => {
      calls.push(performance.now() - t0);
      return calls.length % 2;
    },
    { afterStartMs: [20, 60], everyMs: 150 },
    logger,
  );
  const deadline = Date.now() + 10_000;
  while (calls.length < 4 && Date.now() < deadline) await sleep(20);
  stop();
  const seen = calls.length;
  t.true(seen >= 4, `calls: ${JSON.stringify(calls)}`);
  t.true(calls[0]! >= 19 && calls[1]! >= 59 && calls[2]! >= 149, `calls at ${JSON.stringify(calls)} ms`);
  const logged = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'malloc_trim');
  t.deepEqual(
    logged.slice(0, 3).map((l) => [l.when, l.released]),
    [
      ['start', true],
      ['start', false],
      ['interval', true],
    ],
  );
  await sleep(400); // more than two intervals: none runs after stop()
  t.is(calls.length, seen);
});
