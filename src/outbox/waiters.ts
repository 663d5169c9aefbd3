// Callers waiting for one job's outcome (`awaitOutcome`): a turnover answers `booked` when its job
// is delivered inside the booking window, else `queued`. Every waiter is answered exactly once: by
// the outcome, by its timeout, or by stop().
import { parseResult } from './outcome.ts';
import type { JobOutcome, OutboxJob } from './types.ts';

export interface OutcomeWaiters {
  /** The job's outcome as the store has it now. */
  current(key: string): JobOutcome;
  /** Answers every waiter for `key` with `outcome`. */
  notify(key: string, outcome: JobOutcome): void;
  /** Answers every waiter with the outcome as of now (the dispatcher stops). */
  releaseAll(): void;
  /** Resolves with the next outcome told for `key`, or with the current one after `timeoutMs`. */
  wait(key: string, timeoutMs: number): Promise<JobOutcome>;
}

/** `get` reads one job from the store (undefined when it is not there or the store failed). */
export function createOutcomeWaiters(get: (key: string) => OutboxJob | undefined): OutcomeWaiters {
  const waiters = new Map<string, Set<(o: JobOutcome) => void>>();

  function current(key: string): JobOutcome {
    const job = get(key);
    if (!job) return { state: 'not_found' };
    switch (job.state) {
      case 'delivered':
        return { state: 'delivered', job, result: parseResult(job.result) };
      case 'dead':
        return { state: 'dead', job, error: job.lastError ?? { code: 'unknown', message: '' } };
      case 'discarded':
        return { state: 'discarded', job };
      default:
        return { state: 'pending', job };
    }
  }

  function notify(key: string, outcome: JobOutcome): void {
    for (const resolve of [...(waiters.get(key) ?? [])]) resolve(outcome);
  }

  return {
    current,
    notify,
    releaseAll() {
      for (const key of [...waiters.keys()]) notify(key, current(key));
    },
    wait(key, timeoutMs) {
      return new Promise((resolve) => {
        const set = waiters.get(key) ?? new Set();
        waiters.set(key, set);
        const done = (o: JobOutcome) => {
          clearTimeout(t);
          set.delete(done);
          if (set.size === 0) waiters.delete(key);
          resolve(o);
        };
        const t = setTimeout(() => done(current(key)), Math.max(0, timeoutMs));
        set.add(done);
      });
    },
  };
}
