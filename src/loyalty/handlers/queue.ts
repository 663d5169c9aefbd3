// The till side of the outbox (DESIGN §3, §5): a request is committed to the outbox before the till
// hears anything, then waits for the provider inside its window; delivered → the provider's answer,
// still pending → `queued` (a later event tells the outcome). A transaction already in the outbox
// is answered from there, never sent twice; the same transaction with another body is refused.
import { GatewayError } from '../../errors.ts';
import type { QUEUED_KINDS } from '../../mqtt/topics.ts';
import type { Dispatcher } from '../../outbox/dispatcher.ts';
import type { OutboxStore } from '../../outbox/store.ts';
import type { OutboxJob } from '../../outbox/types.ts';
import { tillCode } from '../outcomes.ts';
import type { ProviderRequest, WriteResults } from '../provider.ts';
import { type TillValue, tillValue } from '../till-payloads.ts';

export type QueuedKind = (typeof QUEUED_KINDS)[number];

export interface QueueInput {
  key: string;
  kind: QueuedKind;
  orderKey: string;
  request: ProviderRequest;
  dependsOn?: string;
}

export interface Queue {
  /**
   * The answer for a transaction the outbox already holds; undefined when it holds none. `enqueue`
   * answers a transaction it already holds the same way, without this second lookup (turnover, the
   * hot path); redeem must ask first (it calls the provider before queueing), and stornos do, so
   * that a transaction reused for another request is refused before its `dependsOn` is checked.
   */
  known(key: string, request: ProviderRequest): Promise<unknown> | undefined;
  /** Stores the request (or finds it stored under its key) and answers as `known` would for that. */
  enqueue(input: QueueInput): Promise<unknown>;
  /** Transactions whose till is still waiting inside the window (their answer carries the outcome). */
  readonly answering: ReadonlySet<string>;
}

export function createQueue(opts: {
  store: OutboxStore;
  dispatcher: Dispatcher;
  windowMs: number;
  /** What a delivered job keeps of its request (the provider's `keptAfterDelivery`). */
  kept: (request: ProviderRequest) => ProviderRequest;
}): Queue {
  const answering = new Set<string>();
  // The stored payload is this request: as it was sent, or as a delivered job keeps it.
  const isStored = (payload: string, request: ProviderRequest) =>
    [request, opts.kept(request)].some((r) => payload === JSON.stringify(r) || sameExceptTime(payload, r));

  async function answer(job: OutboxJob, waitMs: number): Promise<unknown> {
    // Just stored (or read) as pending and not to wait: `queued`, without reading it back. Nothing
    // can have delivered it in between: delivery is asynchronous and this runs in the same turn.
    if (waitMs <= 0 && job.state === 'pending') return { state: 'queued' };
    answering.add(job.key);
    try {
      const outcome = await opts.dispatcher.awaitOutcome(job.key, waitMs);
      switch (outcome.state) {
        case 'delivered':
          return answerFor(job.kind as QueuedKind, outcome.result);
        case 'dead':
          throw new GatewayError(
            tillCode({ retryable: false, code: outcome.error.code }),
            outcome.error.message,
            { provider_code: outcome.error.code, dead_letter: true },
          );
        case 'discarded':
          throw new GatewayError('not_found', 'this request was discarded by a technician');
        default:
          return { state: 'queued' };
      }
    } finally {
      answering.delete(job.key);
    }
  }

  return {
    answering,
    known(key, request) {
      const job = opts.store.get(key);
      if (!job) return undefined;
      if (!isStored(job.payload, request)) {
        throw new GatewayError('transaction_reused', 'this transaction was already used for another request');
      }
      return answer(job, 0);
    },
    async enqueue(input) {
      const payload = JSON.stringify(input.request);
      const result = opts.store.enqueue({
        key: input.key,
        kind: input.kind,
        orderKey: input.orderKey,
        payload,
        dependsOn: input.dependsOn,
      });
      if (!result.ok) {
        if (result.code === 'buffer_full') {
          throw new GatewayError('buffer_full', 'the outbox is full; the request was not stored', {
            max_depth: opts.store.stats().maxDepth,
          });
        }
        throw new GatewayError('internal_error', `the outbox could not store the request (${result.code})`);
      }
      if (!result.created) {
        // Already in the outbox (a retry of the till's request): answered from there, now, as
        // `known` would have — the store's enqueue looked the key up anyway, inside its transaction.
        if (!result.samePayload && !isStored(result.job.payload, input.request)) {
          throw new GatewayError(
            'transaction_reused',
            'this transaction was already used for another request',
          );
        }
        return answer(result.job, 0);
      }
      // Committed and fsynced: from here on the request survives a crash (DESIGN §5).
      // The till waits for the provider only when this request can go out now; it hears `queued` at
      // once when the provider is known to be down (circuit open), when earlier requests of the same
      // customer are still ahead of it, or when the booking it cancels is not delivered yet.
      const blocked = !result.job.laneHead || input.dependsOn !== undefined;
      const wait = blocked || opts.dispatcher.circuit() === 'open' ? 0 : opts.windowMs;
      opts.dispatcher.kick();
      return answer(result.job, wait);
    },
  };
}

/**
 * A retry of the same till request prepares a new body whose receipt_datetime defaults to "now";
 * it is the same request all the same. The stored body is what gets sent (DESIGN §4).
 */
function sameExceptTime(storedPayload: string, request: ProviderRequest): boolean {
  try {
    const stored = JSON.parse(storedPayload) as ProviderRequest;
    if (stored.op !== request.op || stored.path !== request.path) return false;
    const a = JSON.parse(stored.body) as Record<string, unknown>;
    const b = JSON.parse(request.body) as Record<string, unknown>;
    delete a.receipt_datetime;
    delete b.receipt_datetime;
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false;
  }
}

/** The till's `data` for a delivered job of each kind (DESIGN §3 ops table). */
export interface Answers {
  turnover: { state: 'booked'; points_earned: number; points_balance: number };
  redeem: { redemption_id: string; discount: TillValue & { kind: string } };
  reverse: { state: 'reversed'; points_balance?: number };
  void_redemption: { state: 'voided' };
}

export function answerFor<K extends QueuedKind>(kind: K, result: unknown): Answers[K];
export function answerFor(kind: QueuedKind, result: unknown): Answers[QueuedKind] {
  switch (kind) {
    case 'turnover': {
      const r = result as WriteResults['purchase'];
      return { state: 'booked', points_earned: r.pointsEarned, points_balance: r.pointsBalance };
    }
    case 'redeem': {
      const r = result as WriteResults['redemption'];
      return { redemption_id: r.redemptionId, discount: tillValue(r.discount) };
    }
    case 'reverse': {
      const r = result as WriteResults['reverse'];
      return r.pointsBalance === undefined
        ? { state: 'reversed' }
        : { state: 'reversed', points_balance: r.pointsBalance };
    }
    case 'void_redemption':
      return { state: 'voided' };
  }
}
