// Hands the C heap's free memory back to the kernel (glibc malloc_trim(3)) once start-up has
// settled, and now and then after.
//
// Why (DESIGN §10, RSS ≤ 80 MB): V8 mallocs its parser and compiler zones while the gateway loads
// ~900 modules (8.6 MB at the peak) and frees them before ready, but glibc keeps freed chunks in the
// middle of its arenas mapped: free to malloc again, counted in RSS for the life of the process.
// Only malloc_trim(0) returns those pages. Measured (bench/page.ts rss scenario): ~4.8 MB given back
// right after ready, steady RSS ~3 MB lower; a call takes ~0.3 ms. The V8 heap is not malloc'd and is
// left to V8 (its memory reducer shrinks it 8-16 s after ready); a second trim after that takes what
// the reducer's GCs freed.
// Node has no binding for it, so libc's is called through koffi (already the box's FFI for
// sd_notify and TCP_QUICKACK). Where koffi or glibc is missing (musl has no malloc_trim) nothing
// changes but those megabytes.
import type { Logger } from '../log.ts';

/** malloc_trim(0): 1 when memory was released, 0 when there was none to release. */
export type MallocTrim = () => number;

export interface TrimSchedule {
  /** Delays after start of the first trims: start-up's own garbage, then V8's memory reducer. */
  afterStartMs: readonly number[];
  /** Then one trim this often (0 = never), for what later peaks (an apply, a flood) leave behind. */
  everyMs: number;
}

export const DEFAULT_TRIM_SCHEDULE: TrimSchedule = { afterStartMs: [0, 30_000], everyMs: 600_000 };

/** libc's malloc_trim, or undefined (logged at debug) where it cannot be loaded. */
export async function loadMallocTrim(log: Logger): Promise<MallocTrim | undefined> {
  if (process.platform !== 'linux') return undefined;
  try {
    const { default: koffi } = await import('koffi');
    const fn = koffi.load('libc.so.6').func('int malloc_trim(size_t pad)') as (pad: number) => number;
    return () => fn(0);
  } catch (err) {
    log.debug('malloc_trim unavailable: freed C heap stays mapped', { error: err });
    return undefined;
  }
}

/** Runs `trim` on the schedule; the timers never keep the process alive. Returns a stop. */
export function scheduleMallocTrim(trim: MallocTrim, schedule: TrimSchedule, log: Logger): () => void {
  const run = (when: string) => {
    const t0 = performance.now();
    const released = trim() === 1;
    log.debug('malloc_trim', { when, released, ms: Math.round((performance.now() - t0) * 100) / 100 });
  };
  const timers: NodeJS.Timeout[] = schedule.afterStartMs.map((ms) => setTimeout(() => run('start'), ms));
  if (schedule.everyMs > 0) timers.push(setInterval(() => run('interval'), schedule.everyMs));
  for (const t of timers) t.unref();
  return () => {
    for (const t of timers) clearTimeout(t);
  };
}
