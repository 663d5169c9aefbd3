// The outbox's vocabulary (DESIGN §5). The outbox stores jobs and schedules retries; it knows nothing
// of MQTT or of the provider (DESIGN §11): the loyalty side hands it a `deliver` function and maps
// provider outcomes to `DeliveryOutcome`.

/**
 * pending → inflight → delivered | pending (retry) | dead; dead → pending (retry) | discarded.
 * Only pending and inflight jobs count towards depth and the `buffer_full` cap.
 */
export type JobState = 'pending' | 'inflight' | 'delivered' | 'dead' | 'discarded';

export const JOB_STATES: readonly JobState[] = ['pending', 'inflight', 'delivered', 'dead', 'discarded'];

/** A machine code plus a human reason, e.g. the provider's `{code, detail}` of a final error. */
export interface OutboxErrorInfo {
  code: string;
  message: string;
}

export interface OutboxJob {
  readonly id: number;
  /** Idempotency key, unique: the till transaction id (DESIGN §3 "idempotency key end to end"). */
  readonly key: string;
  /** What the loyalty side does with it, e.g. 'turnover' | 'reverse' | 'void_redemption' | 'redeem'. */
  readonly kind: string;
  /** The FIFO lane (customer ref or scanned code): one lane delivers strictly in enqueue order. */
  readonly orderKey: string;
  /**
   * The exact request body/descriptor, stored once and never rewritten: retries resend it byte for
   * byte (DESIGN §4). Callers must not put contact data (mobile, e-mail) in it (DESIGN §2): buffered
   * requests carry the card token, amounts and receipt ids only. Once delivered, the job keeps the
   * `keep` form its delivery outcome gave instead (no token: DESIGN §2), if any.
   */
  readonly payload: string;
  /**
   * Key of a job that must be delivered before this one (a reverse after its turnover). It holds the
   * job back only while that job is in the outbox and older; a key the outbox never saw (booked
   * online before the outbox, or pruned after delivery) does not block.
   */
  readonly dependsOn?: string;
  readonly state: JobState;
  /** Delivery attempts started so far (reset to 0 by `retryDead`). */
  readonly attempts: number;
  /** Epoch ms; a pending job is not sent before this instant. */
  readonly nextAttemptAt: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** First active job of its lane: the one that may be sent next (a later one waits its turn). */
  readonly laneHead: boolean;
  readonly deliveredAt?: number;
  readonly lastError?: OutboxErrorInfo;
  /** JSON of the delivery result, kept for the retention period so a duplicate gets the same answer. */
  readonly result?: string;
}

export interface EnqueueInput {
  key: string;
  kind: string;
  orderKey: string;
  payload: string;
  dependsOn?: string;
}

export type EnqueueErrorCode = 'buffer_full' | 'invalid_job' | 'store_error';

export type EnqueueResult =
  | {
      ok: true;
      job: OutboxJob;
      /** false: the key was already stored; `job` is the existing job, nothing was written. */
      created: boolean;
      /** When `created` is false: whether the stored payload equals the one just offered. */
      samePayload: boolean;
    }
  | { ok: false; code: EnqueueErrorCode; message: string };

export type DeadLetterActionResult =
  | {
      ok: true;
      job: OutboxJob;
      /** `retryDead` only: dependents that had died with `dependency_failed` and are pending again. */
      revived: number;
    }
  | { ok: false; code: 'not_found' | 'not_dead' | 'store_error'; message: string };

export interface OutboxStats {
  /** pending + inflight: what counts against `maxDepth`. */
  depth: number;
  pending: number;
  inflight: number;
  delivered: number;
  dead: number;
  discarded: number;
  oldestAgeS: number;
  maxDepth: number;
}

/** What the dispatcher claims for sending in one step, and the jobs that died on a failed dependency. */
export interface ClaimResult {
  claimed: OutboxJob[];
  dependencyFailed: OutboxJob[];
}

/** A delivery's outcome as recorded by the dispatcher; several are committed in one transaction. */
export type Settlement =
  | { id: number; outcome: 'delivered'; result: string; payload?: string }
  | { id: number; outcome: 'retry'; nextAt: number; error: OutboxErrorInfo }
  | { id: number; outcome: 'dead'; error: OutboxErrorInfo };

/**
 * What `deliver` reports. The loyalty side maps provider answers (DESIGN §4): network errors,
 * timeouts, 408, 409-in-progress, 429 and 5xx are retryable (429 with `retryAfterMs` from
 * Retry-After); anything else is final and goes to the dead letters with the provider's reason.
 */
export type DeliveryOutcome =
  | {
      ok: true;
      result: unknown;
      /**
       * What the job keeps of its payload from now on, when less than the request sent: what telling
       * a replay of its transaction from another request needs, without the loyalty token (DESIGN §2:
       * full tokens only in jobs not yet delivered). Omitted: the payload stays as it is.
       */
      keep?: string;
    }
  | { ok: false; retryable: true; retryAfterMs?: number; error: OutboxErrorInfo }
  | { ok: false; retryable: false; error: OutboxErrorInfo };

export type Deliver = (job: OutboxJob) => Promise<DeliveryOutcome>;

/** What a caller waiting on one job (e.g. a turnover inside its booking window) learns. */
export type JobOutcome =
  | { state: 'delivered'; job: OutboxJob; result: unknown }
  | { state: 'dead'; job: OutboxJob; error: OutboxErrorInfo }
  | { state: 'discarded'; job: OutboxJob }
  /** Still queued when the wait ended (or the dispatcher stopped): the till hears `queued`. */
  | { state: 'pending'; job: OutboxJob }
  | { state: 'not_found' };

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface DispatcherState {
  circuit: CircuitState;
  inflight: number;
  depth: number;
  oldestAgeS: number;
  dead: number;
}
