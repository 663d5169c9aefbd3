// malloc_trim gives memory that glibc holds after a free back to the system (src/util/malloc-trim.ts).
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import test from 'ava';
import { createLogger } from '../../src/log.ts';
import { startMallocTrimmer } from '../../src/util/malloc-trim.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024;

test('memory freed inside glibc arenas (holes it cannot return by itself) goes back to the system', async (t) => {
  const lines: string[] = [];
  const trimmer = await startMallocTrimmer({
    firstMs: 3_600_000,
    everyMs: 3_600_000,
    logger: createLogger({ level: 'debug', write: (l) => lines.push(l) }),
  });
  t.teardown(() => trimmer.stop());
  // 32 MB of small (malloc'd, not mmap'd) buffers; every 16th stays, so the freed ones are holes
  // between live chunks that free() cannot give back from the top of the heap.
  let bufs: Buffer[] | undefined = Array.from({ length: 8192 }, () => Buffer.allocUnsafeSlow(4096).fill(1));
  const kept = bufs.filter((_, i) => i % 16 === 0);
  bufs = undefined;
  gc();
  gc();
  await new Promise((r) => setImmediate(r));
  const before = rssMb();
  t.true(trimmer.trim(), 'glibc reports memory released');
  const after = rssMb();
  t.true(before - after > 16, `RSS ${before.toFixed(1)} → ${after.toFixed(1)} MB`);
  t.is(kept.length, 512);
  t.is(lines.filter((l) => l.includes('"msg":"malloc trimmed"')).length, 1);
});
