// The outbox dispatcher (DESIGN §5): takes ready jobs from the store and delivers them through the
// function the loyalty side hands it (DESIGN §11: it knows nothing of MQTT or of the provider).
//
// Ordering rules, and why:
// - One FIFO lane per `orderKey` (the customer): a lane's next job starts only when the previous one
//   is delivered or dead, so a customer's bookings reach the provider in till order. Different lanes
//   drain concurrently up to `concurrency`.
// - A dead job leaves its lane: one booking the provider refuses must not block that customer's
//   later bookings forever. The order that matters for correctness — a reverse/void never before
//   the booking it cancels (DESIGN §2 flow 4) — is expressed by `dependsOn`, which waits until the
//   dependency is *delivered*, across lanes too. A job whose dependency is dead or discarded is not
//   sent: it goes dead itself (`dependency_failed`) for a technician; retrying the dependency from the
//   dead letters revives it.
// - Retryable failures back off exponentially with jitter (never before Retry-After) and feed the
//   circuit breaker; final failures go to the dead letters with the provider's reason. Nothing is
//   dropped: retryable jobs retry until delivered.
// No busy loop: one timer, armed for the earliest due job (or the circuit's half-open instant).

import { z } from 'zod';
import { outboxSettingsSchema } from '../config/schema.ts';
import { type Logger, silentLogger } from '../log.ts';
import { schemaErrorText } from '../util/schema-problems.ts';
import { type BackoffPolicy, retryDelayMs } from './backoff.ts';
import { createCircuit } from './circuit.ts';
import { OutboxError } from './errors.ts';
import { cleanError, errMsg, isDeliveryOutcome, parseResult, retryable, serialise } from './outcome.ts';
import type { OutboxStore } from './store.ts';
import type {
  CircuitState,
  ClaimResult,
  Deliver,
  DeliveryOutcome,
  DispatcherState,
  JobOutcome,
  OutboxErrorInfo,
  OutboxJob,
  Settlement,
} from './types.ts';

export interface DispatcherOptions {
  store: OutboxStore;
  deliver: Deliver;
  logger?: Logger;
  /** Deliveries in flight at once, each on a different lane. Default: the `outbox.concurrency` setting's. */
  concurrency?: number;
  /** Default: `outbox.retry_base_ms` doubling to `outbox.retry_max_ms` (settings' defaults), full jitter. */
  backoff?: Partial<BackoffPolicy>;
  /** Default: the `outbox.circuit_failures` and `outbox.circuit_open_ms` settings' defaults. */
  circuit?: { failureThreshold?: number; openMs?: number };
  /** A `deliver` that has not settled by then counts as a retryable `delivery_timeout`. Default 60 s. */
  deliveryTimeoutMs?: number;
  /** How long `stop()` waits for deliveries in flight by default. Default 5 s. */
  stopTimeoutMs?: number;
  /** How often delivered/discarded jobs past retention are pruned (checked on dispatch). Default 1 h. */
  pruneIntervalMs?: number;
  /** When nothing is due, look again after this long (another process may have changed the store). Default: `outbox.idle_poll_ms`'s. */
  idlePollMs?: number;
  now?: () => number;
  /** Jitter source, [0, 1). Injectable so tests can assert the schedule. */
  random?: () => number;
  onDelivered?: (job: OutboxJob, result: unknown) => void;
  onDead?: (job: OutboxJob, error: OutboxErrorInfo) => void;
  onRetry?: (job: OutboxJob, error: OutboxErrorInfo, nextAttemptAt: number) => void;
}

export interface StopResult {
  /** All deliveries in flight settled (and were recorded) before the timeout. */
  settled: boolean;
  /** Deliveries still running at the timeout; their jobs stay inflight and are resent after restart. */
  abandoned: number;
}

export interface Dispatcher {
  start(): void;
  stop(timeoutMs?: number): Promise<StopResult>;
  /** Look for work now (after an enqueue, a retried dead letter, a restored link). */
  kick(): void;
  state(): DispatcherState;
  /**
   * Resolves when the job with `key` is delivered, dead or discarded, or with `pending` after
   * `timeoutMs` — e.g. a turnover answers `booked` inside its booking window, else `queued`.
   */
  awaitOutcome(key: string, timeoutMs: number): Promise<JobOutcome>;
  /** The circuit alone, without the store queries of `state()` (cheap enough for every request). */
  circuit(): CircuitState;
  /**
   * Running and able to make progress on its own: a timer armed, or a delivery in flight that will
   * settle and pump again. False after stop() or when a pump failed before re-arming — a dispatcher
   * that would sit still until the next enqueue kicks it (the service watchdog asks this).
   */
  alive(): boolean;
}

// Defaults that are settings come from the settings schema (config/schema.ts), so the dispatcher
// built without them behaves as the gateway does out of the box; the others are the dispatcher's own.
const SETTINGS = outboxSettingsSchema.parse({});

const OptionsSchema = z.object({
  concurrency: z.number().int().min(1).max(1024).default(SETTINGS.concurrency),
  backoff: z
    .object({
      baseMs: z.number().min(1).default(SETTINGS.retry_base_ms),
      maxMs: z.number().min(1).default(SETTINGS.retry_max_ms),
      jitter: z.number().min(0).max(1).default(1),
    })
    .prefault({}),
  circuit: z
    .object({
      failureThreshold: z.number().int().min(1).default(SETTINGS.circuit_failures),
      openMs: z.number().min(0).default(SETTINGS.circuit_open_ms),
    })
    .prefault({}),
  deliveryTimeoutMs: z.number().min(1).default(60_000),
  stopTimeoutMs: z.number().min(0).default(5000),
  pruneIntervalMs: z.number().min(0).default(3_600_000),
  /** Idle re-check: a technician's retry from another process (CLI) is picked up within this. */
  idlePollMs: z.number().min(10).default(SETTINGS.idle_poll_ms),
});

const MAX_TIMER_MS = 2 ** 31 - 1;
/** Re-arm delay when the store says a job is due but none could be claimed (a store error). */
const REARM_MS = 1000;

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    const detail = schemaErrorText(parsed.error, { input: options });
    throw new OutboxError('invalid_options', `invalid dispatcher options: ${detail}`);
  }
  const cfg = parsed.data;
  const { store, deliver } = options;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const log = options.logger ?? silentLogger;
  const circuit = createCircuit({
    ...cfg.circuit,
    now,
    onChange: (s) => (s === 'closed' ? log.info : log.warn)('provider circuit ' + s, { circuit: s }),
  });

  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let pumping = false;
  let again = false;
  let flushQueued = false;
  // Set when stop() gave up on deliveries still running: the store's owner closes the store next,
  // so what they settle later is not recorded (their jobs stay inflight and are resent after the
  // store reopens; the provider's idempotency key makes that safe).
  let abandonedAtStop = false;
  const settling: Array<{ job: OutboxJob; outcome: DeliveryOutcome; recorded: () => void }> = [];
  let lastPruneAt = Number.NEGATIVE_INFINITY;
  const inflight = new Map<number, Promise<void>>();
  const waiters = new Map<string, Set<(o: JobOutcome) => void>>();

  function pump(): void {
    if (!running) return;
    // `deliver` runs synchronously inside a step and may call kick(): fold that into this pump.
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        step();
      } while (again && running);
    } finally {
      pumping = false;
    }
    schedule();
  }

  /** Deliveries that settle in the same turn of the event loop are recorded together (one commit). */
  function flushSoon(): void {
    if (flushQueued) return;
    flushQueued = true;
    setImmediate(flush);
  }

  function step(): void {
    const at = now();
    if (at - lastPruneAt >= cfg.pruneIntervalMs) {
      lastPruneAt = at;
      guard('prune', () => store.prune());
    }
    const slots = Math.min(cfg.concurrency - inflight.size, circuit.permits());
    if (slots < 1) return;
    const ready = guard<ClaimResult>('claim', () => store.claimReady(at, slots));
    if (!ready) return;
    for (const job of ready.dependencyFailed) finishDead(job, job.lastError!);
    for (const job of ready.claimed) send(job);
  }

  function schedule(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!running || inflight.size >= cfg.concurrency) return; // a settling delivery pumps again
    let wakeAt = circuit.reopensAt();
    if (wakeAt === undefined) {
      if (circuit.permits() < 1) return; // the half-open probe is in flight
      wakeAt = guard('next due', () => store.nextDueAt());
      // Idle: kick() wakes at once; the slow poll catches changes made by another process.
      if (wakeAt === undefined) wakeAt = now() + cfg.idlePollMs;
    }
    let delay = wakeAt - now();
    if (delay <= 0) delay = REARM_MS;
    // `timer` is cleared when it fires, so a pump that throws leaves none behind and alive() tells.
    timer = setTimeout(
      () => {
        timer = undefined;
        pump();
      },
      Math.min(delay, MAX_TIMER_MS),
    );
    timer.unref();
  }

  function send(job: OutboxJob): void {
    circuit.onSend();
    const done = attempt(job).then(
      (outcome) =>
        new Promise<void>((recorded) => {
          settling.push({ job, outcome, recorded });
          flushSoon();
        }),
    );
    inflight.set(job.id, done);
  }

  /** Calls `deliver` now (synchronously) and turns anything it does into a DeliveryOutcome. */
  function attempt(job: OutboxJob): Promise<DeliveryOutcome> {
    let pending: Promise<unknown>;
    try {
      pending = Promise.resolve(deliver(job));
    } catch (err) {
      return Promise.resolve(retryable('delivery_exception', errMsg(err)));
    }
    return new Promise((resolve) => {
      const t = setTimeout(
        () => resolve(retryable('delivery_timeout', `no outcome after ${cfg.deliveryTimeoutMs} ms`)),
        cfg.deliveryTimeoutMs,
      );
      t.unref();
      pending.then(
        (v) => {
          clearTimeout(t);
          resolve(
            isDeliveryOutcome(v) ? v : retryable('invalid_outcome', 'deliver returned no DeliveryOutcome'),
          );
        },
        (err: unknown) => {
          clearTimeout(t);
          resolve(retryable('delivery_exception', errMsg(err)));
        },
      );
    });
  }

  /**
   * Records the outcomes that settled since the last flush in one store transaction, then tells the
   * callbacks (after the commit: an `event/loyalty/booked` never precedes the durable record) and
   * looks for more work. Runs after stop() too, so a delivery that settles while stopping is recorded.
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
    pump();
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
          notify(job.key, { state: 'delivered', job: fresh, result: outcome.result });
        },
      };
    }
    const error = cleanError(outcome.error);
    if (outcome.retryable) {
      circuit.onFailure();
      const nextAt = now() + retryDelayMs(job.attempts, cfg.backoff, random, outcome.retryAfterMs);
      return {
        settlement: { id: job.id, outcome: 'retry', nextAt, error },
        after() {
          log.warn('outbox delivery failed, will retry', { ...fields, code: error.code, retry_at: nextAt });
          const fresh = guard('get', () => store.getById(job.id)) ?? job;
          callback('onRetry', () => options.onRetry?.(fresh, error, nextAt));
          // A caller waiting inside its booking window learns now that the job stays queued: the
          // next attempt comes after a backoff, so waiting longer would only delay the till.
          notify(job.key, { state: 'pending', job: fresh });
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
    notify(job.key, { state: 'dead', job, error });
  }

  function notify(key: string, outcome: JobOutcome): void {
    for (const resolve of [...(waiters.get(key) ?? [])]) resolve(outcome);
  }

  function callback(name: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      log.error(`outbox ${name} callback threw`, { err });
    }
  }

  function guard<T>(what: string, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      log.error(`outbox ${what} failed`, { err });
      return undefined;
    }
  }

  function currentOutcome(key: string): JobOutcome {
    const job = guard('get', () => store.get(key));
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

  return {
    start() {
      if (running) return;
      running = true;
      log.info('outbox dispatcher started', { concurrency: cfg.concurrency });
      pump();
    },
    async stop(timeoutMs = cfg.stopTimeoutMs) {
      running = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      for (const key of [...waiters.keys()]) notify(key, currentOutcome(key));
      if (inflight.size === 0) return { settled: true, abandoned: 0 };
      let t: NodeJS.Timeout | undefined;
      const timedOut = new Promise<false>((resolve) => {
        t = setTimeout(() => resolve(false), timeoutMs);
      });
      const settled = await Promise.race([Promise.allSettled(inflight.values()).then(() => true), timedOut]);
      clearTimeout(t);
      const abandoned = settled ? 0 : inflight.size;
      abandonedAtStop = abandoned > 0;
      if (abandoned > 0) log.warn('outbox stopped with deliveries in flight', { abandoned });
      return { settled, abandoned };
    },
    kick: pump,
    state() {
      return {
        circuit: circuit.state(),
        inflight: inflight.size,
        depth: guard('depth', () => store.depth()) ?? 0,
        oldestAgeS: guard('age', () => store.oldestAgeS()) ?? 0,
        dead: guard('dead count', () => store.deadCount()) ?? 0,
      };
    },
    circuit: () => circuit.state(),
    alive: () => running && (timer !== undefined || inflight.size > 0 || flushQueued || pumping),
    awaitOutcome(key, timeoutMs) {
      const current = currentOutcome(key);
      if (current.state !== 'pending' || !running || timeoutMs <= 0) return Promise.resolve(current);
      return new Promise((resolve) => {
        const set = waiters.get(key) ?? new Set();
        waiters.set(key, set);
        const done = (o: JobOutcome) => {
          clearTimeout(t);
          set.delete(done);
          if (set.size === 0) waiters.delete(key);
          resolve(o);
        };
        const t = setTimeout(() => done(currentOutcome(key)), Math.max(0, timeoutMs));
        set.add(done);
      });
    },
  };
}
