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

import { silentLogger } from '../log.ts';
import { createCircuit } from './circuit.ts';
import { type DispatcherOptions, dispatcherConfig } from './dispatcher-options.ts';
import { guards } from './guard.ts';
import { attemptDelivery } from './outcome.ts';
import { createSettler } from './settle.ts';
import type { CircuitState, ClaimResult, DispatcherState, JobOutcome, OutboxJob } from './types.ts';
import { createOutcomeWaiters } from './waiters.ts';

export type { DispatcherOptions } from './dispatcher-options.ts';

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

const MAX_TIMER_MS = 2 ** 31 - 1;
/** Re-arm delay when the store says a job is due but none could be claimed (a store error). */
const REARM_MS = 1000;

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const cfg = dispatcherConfig(options);
  const { store, deliver } = options;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const log = options.logger ?? silentLogger;
  const circuit = createCircuit({
    ...cfg.circuit,
    now,
    onChange: (s) => (s === 'closed' ? log.info : log.warn)('provider circuit ' + s, { circuit: s }),
  });
  const { guard, callback } = guards(log);
  const waiters = createOutcomeWaiters((key) => guard('get', () => store.get(key)));

  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let pumping = false;
  let again = false;
  let lastPruneAt = Number.NEGATIVE_INFINITY;
  const inflight = new Map<number, Promise<void>>();
  const settler = createSettler({
    store,
    log,
    circuit,
    backoff: cfg.backoff,
    now,
    random,
    callbacks: options,
    waiters,
    inflight,
    guard,
    callback,
    pump,
  });

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
    for (const job of ready.dependencyFailed) settler.finishDead(job, job.lastError!);
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
    const done = attemptDelivery(deliver, job, cfg.deliveryTimeoutMs).then((outcome) =>
      settler.record(job, outcome),
    );
    inflight.set(job.id, done);
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
      waiters.releaseAll();
      if (inflight.size === 0) return { settled: true, abandoned: 0 };
      let t: NodeJS.Timeout | undefined;
      const timedOut = new Promise<false>((resolve) => {
        t = setTimeout(() => resolve(false), timeoutMs);
      });
      const settled = await Promise.race([Promise.allSettled(inflight.values()).then(() => true), timedOut]);
      clearTimeout(t);
      const abandoned = settled ? 0 : inflight.size;
      settler.stopped(abandoned);
      if (abandoned > 0) log.warn('outbox stopped with deliveries in flight', { abandoned });
      return { settled, abandoned };
    },
    kick() {
      // An open circuit sends nothing before it turns half-open, and the armed timer wakes then
      // (schedule arms it for reopensAt): a kick — every enqueue while the provider is down — would
      // only clear that timer and arm the same one again.
      if (timer !== undefined && circuit.state() === 'open') return;
      pump();
    },
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
    alive: () => running && (timer !== undefined || inflight.size > 0 || settler.queued() || pumping),
    awaitOutcome(key, timeoutMs) {
      const current = waiters.current(key);
      if (current.state !== 'pending' || !running || timeoutMs <= 0) return Promise.resolve(current);
      return waiters.wait(key, timeoutMs);
    },
  };
}
