// Preloaded into the gateway by bench/request-cost.ts (`--import`): on SIGUSR2 it writes the
// process's heap use and garbage collections so far to the file named by REQUEST_PROBE_OUT, so
// the bench can take deltas over a run of requests without touching the gateway's own code.
import { renameSync, writeFileSync } from 'node:fs';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';

const out = process.env.REQUEST_PROBE_OUT;
const gcs = { minor: 0, major: 0, minorMs: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) {
      gcs.minor++;
      gcs.minorMs += e.duration;
    } else gcs.major++;
  }
}).observe({ entryTypes: ['gc'] });

let n = 0;
process.on('SIGUSR2', () => {
  // Used bytes of every space; between two probes with no GC in between, their growth is what
  // the process allocated (nothing was freed).
  const used = getHeapSpaceStatistics().reduce((sum, s) => sum + s.space_used_size, 0);
  // A GC entry is delivered asynchronously: wait a turn so one that ran just before is counted.
  // Written aside, then renamed: the bench polls for the name and must never read half a file.
  setImmediate(() => {
    const file = `${out}.${n++}`;
    writeFileSync(`${file}.tmp`, JSON.stringify({ used, ...gcs }));
    renameSync(`${file}.tmp`, file);
  });
});
