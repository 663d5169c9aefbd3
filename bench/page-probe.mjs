// A probe loaded into the gateway (node --import) by `BENCH_PAGE_PROBE=1` runs of bench/page.ts only,
// never by the plain bench: it records, on the wall clock the bench times scans with, each GC pause
// of the main thread (perf_hooks) and each timer callback that ran on it (its name and how long), so
// a slow scan can be matched to what the gateway's loop was doing then. Written at exit as JSON to
// BENCH_PROBE_OUT.
import { writeFileSync } from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';

const origin = performance.timeOrigin;
const gc = [];
const timers = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gc.push([origin + e.startTime, e.duration, e.detail?.kind ?? 0]);
}).observe({ entryTypes: ['gc'] });

const wrap = (fn) =>
  typeof fn !== 'function'
    ? fn
    : function timed(...args) {
        const t0 = performance.now();
        try {
          return fn.apply(this, args);
        } finally {
          const d = performance.now() - t0;
          if (d > 0.02) timers.push([origin + t0, d, fn.name || 'anonymous']);
        }
      };
for (const name of ['setTimeout', 'setInterval', 'setImmediate']) {
  const orig = globalThis[name];
  globalThis[name] = Object.assign((fn, ...rest) => orig(wrap(fn), ...rest), orig);
}

process.on('exit', () => {
  if (process.env.BENCH_PROBE_OUT) writeFileSync(process.env.BENCH_PROBE_OUT, JSON.stringify({ gc, timers }));
});
