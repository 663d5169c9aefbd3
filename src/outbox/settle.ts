// Recording what deliveries came to (DESIGN §5): the outcomes that settle in one turn of the event
// loop go to the store in one transaction, and only after that commit are the callbacks and waiters
// told (an `event/loyalty/booked` never precedes the durable record). Retryable failures get their
// backoff here and feed the circuit; final ones go to the dead letters with the provider's reason.
import type { Logger } from '../log.ts';
import { type BackoffPolicy, retryDelayMs } from './backoff.ts';
import type { Circuit } from './circuit.ts';
import type { DispatcherOptions } from './dispatcher-options.ts';
import type { Guards } from './guard.ts';
import { cleanError, serialise } from './outcome.ts';
import type { OutboxStore } from './store.ts';
import type { DeliveryOutcome, OutboxErrorInfo, OutboxJob, Settlement } from './types.ts';
import type { OutcomeWaiters } from './waiters.ts';

export interface SettlerDeps extends Guards {
  store: OutboxStore;
  log: Logger;
  circuit: Circuit;
  backoff: BackoffPolicy;
  now: () => number;
  random: () => number;
  callbacks: Pick<DispatcherOptions, 'onDelivered' | 'onDead' | 'onRetry'>;
  waiters: OutcomeWaiters;
  /** The dispatcher's deliveries in flight: a job leaves it once its outcome is recorded. */
  inflight: Map<number, Promise<void>>;
  /** Looks for more work once a batch is recorded. */
  pump: () => void;
}

export interface Settler {
  /** Queues the outcome for the next batch; resolves once it is recorded (or given up on at stop). */
  record(job: OutboxJob, outcome: DeliveryOutcome): Promise<void>;
  /** A batch is queued and not yet recorded. */
  queued(): boolean;
  /**
   * stop() ended with `abandoned` deliveries still running. When there are any, the store's owner
   * closes the store next, so what they settle later is not recorded (their jobs stay inflight and
   * are resent after the store reopens; the provider's idempotency key makes that safe).
   */
  stopped(abandoned: number): void;
  /** Tells the callbacks and waiters that a job went to the dead letters. */
  finishDead(job: OutboxJob, error: OutboxErrorInfo): void;
}

export function createSettler(deps: SettlerDeps): Settler {
  const { store, log, circuit, guard, callback, waiters, inflight, callbacks: options } = deps;
  let flushQueued = false;
  let abandonedAtStop = false;
  const settling: Array<{ job: OutboxJob; outcome: DeliveryOutcome; recorded: () => void }> = [];

  /** Deliveries that settle in the same turn of the event loop are recorded together (one commit). */
  function flushSoon(): void {
    if (flushQueued) return;
    flushQueued = true;
    setImmediate(flush);
  }

  /**
   * Records the outcomes that settled since the last flush in one store transaction, then tells the
   * callbacks and looks for more work. Runs after stop() too, so a delivery that settles while
   * stopping is recorded.
   */
  function flush(): void {
    flushQueued = false;
    const batch = settling.splice(0);
    if (abandonedAtStop) {
      log.info('a delivery settled after the outbox stopped; it is sent again when the outbox reopens', {
        count: batch.length,
      });
      for (const { job, recorded: done } of batch) {
        inflight.delete(job.id);
        done();
      }
      return;
    }
    const plan = batch.map(({ job, outcome }) => plan1(job, outcome));
    const recorded = guard('settle', () => store.settle(plan.map((p) => p.settlement))) ?? [];
    plan.forEach((p, i) => {
      const { job, recorded: done } = batch[i]!;
      inflight.delete(job.id);
      if (recorded[i] !== true) log.warn('outbox outcome not recorded', { id: job.id, key: job.key });
      p.after();
      done();
    });
    deps.pump();
  }

  /** The settlement for one outcome, and what to tell once it is committed. */
  function plan1(job: OutboxJob, outcome: DeliveryOutcome): { settlement: Settlement; after: () => void } {
    const fields = { id: job.id, key: job.key, kind: job.kind, attempts: job.attempts };
    if (outcome.ok) {
      circuit.onAnswer();
      return {
        settlement: {
          id: job.id,
          outcome: 'delivered',
          result: serialise(outcome.result),
          payload: outcome.keep,
        },
        after() {
          const fresh = guard('get', () => store.getById(job.id)) ?? job;
          log.debug('outbox job delivered', fields);
          callback('onDelivered', () => options.onDelivered?.(fresh, outcome.result));
          waiters.notify(job.key, { state: 'delivered', job: fresh, result: outcome.result });
        },
      };
    }
    const error = cleanError(outcome.error);
    if (outcome.retryable) {
      circuit.onFailure();
      const nextAt = deps.now() + retryDelayMs(job.attempts, deps.backoff, deps.random, outcome.retryAfterMs);
      return {
        settlement: { id: job.id, outcome: 'retry', nextAt, error },
        after() {
          log.warn('outbox delivery failed, will retry', { ...fields, code: error.code, retry_at: nextAt });
          const fresh = guard('get', () => store.getById(job.id)) ?? job;
          callback('onRetry', () => options.onRetry?.(fresh, error, nextAt));
          // A caller waiting inside its booking window learns now that the job stays queued: the
          // next attempt comes after a backoff, so waiting longer would only delay the till.
          waiters.notify(job.key, { state: 'pending', job: fresh });
        },
      };
    }
    // A final answer proves the provider is reachable: it closes the circuit like a success.
    circuit.onAnswer();
    return {
      settlement: { id: job.id, outcome: 'dead', error },
      after: () => finishDead(guard('get', () => store.getById(job.id)) ?? job, error),
    };
  }

  function finishDead(job: OutboxJob, error: OutboxErrorInfo): void {
    log.warn('outbox job went to dead letters', {
      id: job.id,
      key: job.key,
      kind: job.kind,
      code: error.code,
      reason: error.message,
    });
    callback('onDead', () => options.onDead?.(job, error));
    waiters.notify(job.key, { state: 'dead', job, error });
  }

  return {
    record: (job, outcome) =>
      new Promise<void>((recorded) => {
        settling.push({ job, outcome, recorded });
        flushSoon();
      }),
    queued: () => flushQueued,
    stopped(abandoned) {
      abandonedAtStop = abandoned > 0;
    },
    finishDead,
  };
}
