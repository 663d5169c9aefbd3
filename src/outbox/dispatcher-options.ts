// The dispatcher's options: what a caller may pass, and the defaults it gets otherwise. Validated
// once at construction, so a bad value fails loudly there rather than as a stalled outbox later.
import { z } from 'zod';
import { outboxSettingsSchema } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { schemaErrorText } from '../util/schema-problems.ts';
import type { BackoffPolicy } from './backoff.ts';
import { OutboxError } from './errors.ts';
import type { OutboxStore } from './store.ts';
import type { Deliver, OutboxErrorInfo, OutboxJob } from './types.ts';

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

export type DispatcherConfig = z.infer<typeof OptionsSchema>;

/** The options with their defaults filled in; throws `invalid_options` naming every bad one. */
export function dispatcherConfig(options: DispatcherOptions): DispatcherConfig {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    const detail = schemaErrorText(parsed.error, { input: options });
    throw new OutboxError('invalid_options', `invalid dispatcher options: ${detail}`);
  }
  return parsed.data;
}
