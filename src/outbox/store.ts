// The durable outbox store (DESIGN §5): SQLite in WAL mode with synchronous=FULL, so a job is on disk
// (WAL fsynced) when `enqueue` returns and the till may hear `queued`; it survives kill -9 and power
// loss. Measured before choosing it (docs/stack-notes.md "Outbox measurement"): flat ~0.1 ms
// per enqueue at 10,000 queued, where a JSON file grows linearly.
//
// One process owns the store (the gateway); a tool may open the same file alongside it with
// `recoverInflight: false`. Every method is synchronous: better-sqlite3 runs on the caller's thread
// and each write is one transaction.

import type Database from 'better-sqlite3';
import { z } from 'zod';
import { outboxSettingsSchema } from '../config/schema.ts';
import { type Logger, silentLogger } from '../log.ts';
import { schemaErrorText } from '../util/schema-problems.ts';
import { idleCheckpoints } from './checkpoint.ts';
import { openDatabase, recover } from './database.ts';
import { deadLetters } from './dead-letters.ts';
import { OutboxError } from './errors.ts';
import { jobProblem } from './job-check.ts';
import type { JournalRecovery } from './journal-recovery.ts';
import { claimTransaction, leaveLane } from './lanes.ts';
import { errMsg } from './outcome.ts';
import { prepareStatements, toJob } from './statements.ts';
import { storeReads } from './store-reads.ts';
import type {
  ClaimResult,
  DeadLetterActionResult,
  EnqueueInput,
  EnqueueResult,
  OutboxErrorInfo,
  OutboxJob,
  OutboxStats,
  Settlement,
} from './types.ts';

// The defaults are the settings schema's (config/schema.ts), not a second set of numbers.
const SETTINGS = outboxSettingsSchema.parse({});
export const DEFAULT_MAX_DEPTH = SETTINGS.max_depth;
export const DEFAULT_RETENTION_MS = SETTINGS.retention_days * 24 * 3600 * 1000;
const PRUNE_BATCH = 1000;

export interface OutboxStoreOptions {
  /** Database file; its directory is created (0700) if missing. ':memory:' for throwaway stores. */
  path: string;
  /** Cap on pending + inflight jobs; at the cap `enqueue` refuses with `buffer_full` (never drops). */
  maxDepth?: number;
  /** How long delivered (and discarded) jobs are kept so a duplicate transaction gets the same answer. */
  retentionMs?: number;
  busyTimeoutMs?: number;
  /**
   * Reset inflight jobs to pending at open (crash recovery). Default true, for the gateway that owns
   * the store. A second process opening the same file while the gateway runs (e.g. a CLI listing dead
   * letters) must pass false, or it would turn the gateway's running deliveries into duplicates.
   */
  recoverInflight?: boolean;
  now?: () => number;
  logger?: Logger;
}

export interface OutboxStore {
  readonly path: string;
  readonly maxDepth: number;
  readonly retentionMs: number;
  /** One synchronous transaction, committed (fsynced) before it returns. Idempotent on `key`. */
  enqueue(input: EnqueueInput): EnqueueResult;
  get(key: string): OutboxJob | undefined;
  getById(id: number): OutboxJob | undefined;
  /** pending + inflight. */
  depth(): number;
  /** Age in whole seconds of the oldest undelivered job; 0 when there is none. */
  oldestAgeS(): number;
  deadCount(): number;
  listDead(limit?: number): OutboxJob[];
  /** A technician's retry: the dead job (and dependents that died of it) become pending, attempts 0. */
  retryDead(id: number): DeadLetterActionResult;
  discardDead(id: number): DeadLetterActionResult;
  stats(): OutboxStats;
  /** The durability settings in force on this store's own connection (synchronous is per connection). */
  durability(): { journalMode: string; synchronous: 'off' | 'normal' | 'full' | 'extra' };
  // Used by the dispatcher.
  /** Marks ready lane heads inflight (at most `limit`); heads whose dependency failed go dead. */
  claimReady(now: number, limit: number): ClaimResult;
  /** When the earliest sendable lane head is due; undefined when none (empty, or all wait on others). */
  nextDueAt(): number | undefined;
  /** Records several delivery outcomes in one transaction; true for each job that was inflight. */
  settle(batch: readonly Settlement[]): boolean[];
  markDelivered(id: number, result: string): boolean;
  markRetry(id: number, nextAt: number, error: OutboxErrorInfo): boolean;
  markDead(id: number, error: OutboxErrorInfo): boolean;
  /** Deletes delivered/discarded jobs older than the retention period; returns how many. */
  prune(): number;
  close(): void;
}

const OptionsSchema = z.object({
  path: z.string().min(1),
  maxDepth: z.number().int().min(1).default(DEFAULT_MAX_DEPTH),
  retentionMs: z.number().min(0).default(DEFAULT_RETENTION_MS),
  busyTimeoutMs: z.number().int().min(0).default(5000),
});

/** Opens (creating and migrating if needed) the outbox database. Throws `OutboxError` at start-up. */
export function openOutboxStore(options: OutboxStoreOptions): OutboxStore {
  const { path, maxDepth, retentionMs, busyTimeoutMs } = storeConfig(options);
  const now = options.now ?? Date.now;
  const log = options.logger ?? silentLogger;
  const owner = options.recoverInflight !== false;
  // Only the owner can tell: beside a running gateway the WAL is there because the gateway is.
  const onUncleanStop = uncleanStopWarning(log);
  const { db, stmt, recovered } = openOrThrow(
    path,
    busyTimeoutMs,
    now(),
    owner,
    owner ? onUncleanStop : undefined,
  );
  const reads = storeReads(stmt, now, maxDepth);
  const dead = deadLetters(db, stmt, now, log);
  log.info('outbox opened', { depth: reads.depth(), reset_inflight: recovered, max_depth: maxDepth });
  // Off the commit a till waits for (src/outbox/checkpoint.ts): the writes below tell it.
  const checkpoints = idleCheckpoints(db, { busyTimeoutMs, logger: log });

  const enqueueTx = db.transaction((input: EnqueueInput, at: number): EnqueueResult => {
    const existing = stmt.byKey.get(input.key);
    if (existing) {
      return {
        ok: true,
        job: toJob(existing),
        created: false,
        samePayload: existing.payload === input.payload,
      };
    }
    // Never drop: at the cap the new job is refused and the till is told so (DESIGN §5).
    if (reads.depth() >= maxDepth) {
      return { ok: false, code: 'buffer_full', message: `outbox holds ${maxDepth} undelivered jobs` };
    }
    const laneHead = stmt.laneBusy.get(input.orderKey) === undefined;
    const id = stmt.insert.get(
      input.key,
      input.kind,
      input.orderKey,
      input.payload,
      input.dependsOn ?? null,
      laneHead ? 1 : 0,
      at,
      at,
      at,
    )!;
    return { ok: true, job: insertedJob(id, input, laneHead, at), created: true, samePayload: true };
  });

  const claimTx = claimTransaction(db, stmt, now);

  /**
   * Runs a write without waiting for fsync (synchronous=NORMAL in WAL mode): for claims and retry
   * schedules only. Losing one in a power cut is harmless — an inflight job is pending again at open
   * anyway, and a lost dependency_failed verdict is reached again — while the next FULL commit
   * (enqueue, delivered, dead) syncs the WAL with these frames in it. Halves the fsyncs of a drain.
   */
  function relaxed<T>(fn: () => T): T {
    db.pragma('synchronous = NORMAL');
    try {
      return fn();
    } finally {
      db.pragma('synchronous = FULL');
    }
  }

  const settleTx = db.transaction((batch: readonly Settlement[]): boolean[] =>
    batch.map((s) => {
      if (s.outcome === 'retry') {
        return stmt.retry.run(Math.round(s.nextAt), s.error.code, s.error.message, now(), s.id).changes === 1;
      }
      const at = now();
      const row =
        s.outcome === 'delivered'
          ? stmt.delivered.get(s.payload ?? null, s.result, at, at, s.id)
          : stmt.dead.get(s.error.code, s.error.message, at, s.id);
      if (row) leaveLane(stmt, row);
      return row !== undefined;
    }),
  );

  /**
   * Records outcomes in one transaction: a drain commits what settled in one turn of the event loop
   * with one fsync instead of one each (on a Pi's SD card an fsync costs milliseconds). Only retry
   * schedules alone are written relaxed; a delivered or dead verdict is durable when this returns.
   */
  function settle(batch: readonly Settlement[]): boolean[] {
    if (batch.length === 0) return [];
    const run = () => settleTx.immediate(batch);
    const recorded = batch.some((s) => s.outcome !== 'retry') ? run() : relaxed(run);
    checkpoints.wrote();
    // A delivered job that gave up its payload for what it keeps (no token, DESIGN §2) still has
    // its old page images in the WAL, and maybe in the database file from an earlier checkpoint.
    // The new image has the freed bytes zeroed (secure_delete); a TRUNCATE checkpoint writes it over
    // the file and empties the WAL. Only after such settlements (a turnover booked by scanned code).
    if (batch.some((s) => s.outcome === 'delivered' && s.payload !== undefined)) checkpoints.truncate();
    return recorded;
  }

  return {
    path,
    maxDepth,
    retentionMs,
    enqueue(input) {
      const problem = jobProblem(input);
      if (problem !== undefined) return { ok: false, code: 'invalid_job', message: problem };
      try {
        const result = enqueueTx.immediate(input, now());
        if (result.ok && result.created) checkpoints.wrote();
        return result;
      } catch (err) {
        log.error('outbox enqueue failed', { err });
        return { ok: false, code: 'store_error', message: errMsg(err) };
      }
    },
    ...reads,
    ...dead,
    durability() {
      const levels = ['off', 'normal', 'full', 'extra'] as const;
      return {
        journalMode: String(db.pragma('journal_mode', { simple: true })),
        synchronous: levels[Number(db.pragma('synchronous', { simple: true }))]!,
      };
    },
    claimReady(at, limit) {
      if (limit < 1) return empty();
      const claimed = relaxed(() => claimTx.immediate(at, Math.floor(limit)));
      if (claimed.claimed.length + claimed.dependencyFailed.length > 0) checkpoints.wrote();
      return claimed;
    },
    settle,
    markDelivered: (id, result) => settle([{ id, outcome: 'delivered', result }])[0]!,
    markRetry: (id, nextAt, error) => settle([{ id, outcome: 'retry', nextAt, error }])[0]!,
    markDead: (id, error) => settle([{ id, outcome: 'dead', error }])[0]!,
    prune() {
      const cutoff = now() - retentionMs;
      let total = 0;
      for (const s of [stmt.pruneDelivered, stmt.pruneDiscarded]) {
        // Small batches: each is its own short transaction, so a large backlog of old rows never
        // holds the event loop (and the till's next enqueue) for long.
        for (let n = PRUNE_BATCH; n === PRUNE_BATCH; total += n) n = s.run(cutoff, PRUNE_BATCH).changes;
      }
      if (total > 0) {
        checkpoints.wrote();
        log.debug('outbox pruned', { rows: total });
      }
      return total;
    },
    close() {
      checkpoints.close();
      if (db.open) db.close();
    },
  };
}

/** The options with their defaults filled in; throws `invalid_options` naming every bad one. */
function storeConfig(options: OutboxStoreOptions) {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    const detail = schemaErrorText(parsed.error, { input: options });
    throw new OutboxError('invalid_options', `invalid outbox store options: ${detail}`);
  }
  return parsed.data;
}

const uncleanStopWarning = (log: Logger) => (found: JournalRecovery) =>
  log.warn(
    'outbox was not closed cleanly (the box lost power or was killed); resuming from its last commit',
    {
      committed_frames: found.committedFrames,
      unfinished_bytes_discarded: found.unfinishedBytes,
    },
  );

function openOrThrow(
  path: string,
  busyTimeoutMs: number,
  at: number,
  resetInflight: boolean,
  onUncleanStop?: (found: JournalRecovery) => void,
) {
  let db: Database.Database | undefined;
  try {
    db = openDatabase(path, busyTimeoutMs, onUncleanStop);
    return { db, stmt: prepareStatements(db), recovered: recover(db, at, resetInflight) };
  } catch (err) {
    db?.close();
    if (err instanceof OutboxError) throw err;
    throw new OutboxError('store_unavailable', `cannot open outbox database ${path}: ${errMsg(err)}`, {
      cause: err,
    });
  }
}

const empty = (): ClaimResult => ({ claimed: [], dependencyFailed: [] });

/**
 * The job a fresh insert stored, as `toJob` would read it back: every column is the input or the
 * insert's constant (state pending, no attempts, due now), so it is built here instead of returned
 * by SQLite as a row of 16 columns and copied again (test/outbox/store.test.ts holds the two equal).
 */
function insertedJob(id: number, input: EnqueueInput, laneHead: boolean, at: number): OutboxJob {
  const job: { -readonly [K in keyof OutboxJob]: OutboxJob[K] } = {
    id,
    key: input.key,
    kind: input.kind,
    orderKey: input.orderKey,
    payload: input.payload,
    state: 'pending',
    attempts: 0,
    nextAttemptAt: at,
    createdAt: at,
    updatedAt: at,
    laneHead,
  };
  if (input.dependsOn !== undefined) job.dependsOn = input.dependsOn;
  return job;
}
