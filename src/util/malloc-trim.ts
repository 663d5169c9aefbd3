// Gives glibc's free memory back to the system (malloc_trim(3)) once start-up has settled, and
// then now and again.
//
// Why (DESIGN §10, RSS ≤ 80 MB steady on a Pi): start-up mallocs and frees a few MB outside V8's
// heap (parser and compiler zones, config and schema building, the first inventory sample's pipes).
// glibc keeps what was freed in its arenas for reuse, and returns only a free top of the main
// arena by itself, so those pages stay resident for the life of the process. malloc_trim(0) also
// releases free pages inside the arenas (madvise). Measured on the idle gateway 20 s after ready:
// the main arena 6.5 -> 5.7 MB resident, in 0.4 ms on the event loop (docs/stack-notes.md). The
// next bursts (system samples, a page's requests) take some of it again, so it repeats, rarely.
// libc's is called through koffi, as for TCP_QUICKACK (src/mqtt/quick-ack.ts).
import type { Logger } from '../log.ts';

type MallocTrim = (pad: number) => number;

/** Loads malloc_trim once; null (logged at debug) where there is no glibc or no FFI. */
async function loadMallocTrim(log: Logger): Promise<MallocTrim | null> {
  if (process.platform !== 'linux') return null;
  try {
    const { default: koffi } = await import('koffi');
    return koffi.load('libc.so.6').func('int malloc_trim(size_t pad)') as MallocTrim;
  } catch (err) {
    log.debug('malloc_trim unavailable: freed memory stays with glibc', { error: err });
    return null;
  }
}

export interface MallocTrimmer {
  /** Trims now; true when glibc gave memory back. */
  trim(): boolean;
  stop(): void;
}

/**
 * Trims `firstMs` after start (V8's memory reducer has given back the start-up heap by then,
 * 5–8 s after ready, and the first inventory sample is done), then every `everyMs`.
 */
export async function startMallocTrimmer(opts: {
  firstMs: number;
  everyMs: number;
  logger: Logger;
}): Promise<MallocTrimmer> {
  const mallocTrim = await loadMallocTrim(opts.logger);
  let timer: NodeJS.Timeout | undefined;
  const trim = () => {
    if (!mallocTrim) return false;
    const t0 = performance.now();
    const released = mallocTrim(0) === 1;
    opts.logger.debug('malloc trimmed', { released, ms: Math.round((performance.now() - t0) * 100) / 100 });
    return released;
  };
  const schedule = (ms: number) => {
    timer = setTimeout(() => {
      trim();
      schedule(opts.everyMs);
    }, ms);
    timer.unref();
  };
  if (mallocTrim) schedule(opts.firstMs);
  return { trim, stop: () => clearTimeout(timer) };
}
