// The SQL of the outbox store, prepared once per connection, and the row ↔ job mapping.
// Every statement on the hot path is an index seek (checked with EXPLAIN QUERY PLAN against the
// indexes in schema.ts), so enqueue and dispatch cost the same at 10,000 queued as at 0 (DESIGN §10).
import type Database from 'better-sqlite3';
import type { JobState, OutboxJob } from './types.ts';

export const ACTIVE = `state IN ('pending', 'inflight')`;

export interface JobRow {
  id: number;
  key: string;
  kind: string;
  order_key: string;
  payload: string;
  depends_on: string | null;
  state: JobState;
  lane_head: number;
  attempts: number;
  next_attempt_at: number;
  created_at: number;
  updated_at: number;
  delivered_at: number | null;
  last_error_code: string | null;
  last_error_message: string | null;
  result: string | null;
}

export function prepareStatements(db: Database.Database) {
  return {
    byKey: db.prepare<[string], JobRow>('SELECT * FROM jobs WHERE key = ?'),
    byId: db.prepare<[number], JobRow>('SELECT * FROM jobs WHERE id = ?'),
    // The enqueue path's reads and its insert hand back bare values (`pluck`), not row objects:
    // each is read once and dropped, and a row object per statement was garbage a till waits for.
    active: db.prepare<[], number>(`SELECT value FROM counters WHERE name = 'active'`).pluck(),
    laneBusy: db
      .prepare<[string], number>(`SELECT 1 FROM jobs WHERE order_key = ? AND ${ACTIVE} LIMIT 1`)
      .pluck(),
    laneHead: db.prepare<[string], { id: number; state: JobState }>(
      `SELECT id, state FROM jobs WHERE order_key = ? AND ${ACTIVE} AND lane_head = 1`,
    ),
    // Positional parameters (binding from an object looks each name up) and only the new id back:
    // every other column of the new row is what the caller passed in (store.ts `insertedJob`).
    insert: db
      .prepare<[string, string, string, string, string | null, number, number, number, number], number>(
        `INSERT INTO jobs (key, kind, order_key, payload, depends_on, state, lane_head, attempts,
       next_attempt_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, 'pending', ?, 0, ?, ?, ?)
     RETURNING id`,
      )
      .pluck(),
    // The lowest id still undelivered becomes the lane's head: FIFO by enqueue order.
    promote: db.prepare<[string]>(
      `UPDATE jobs SET lane_head = 1 WHERE id =
       (SELECT id FROM jobs WHERE order_key = ? AND ${ACTIVE} ORDER BY id LIMIT 1)`,
    ),
    setHead: db.prepare<[number, number]>('UPDATE jobs SET lane_head = ? WHERE id = ?'),
    // A head waits while its dependency (an older job) is still undelivered; a dependency that is
    // missing or newer cannot be an earlier booking in the outbox (see claimReady) and does not block.
    ready: db.prepare<[{ now: number; limit: number }], JobRow & { dep_state: JobState | null }>(
      `SELECT j.*, d.state AS dep_state FROM jobs j
     LEFT JOIN jobs d ON d.key = j.depends_on AND d.id < j.id
     WHERE j.lane_head = 1 AND j.state = 'pending' AND j.next_attempt_at <= @now
       AND (d.state IS NULL OR d.state NOT IN ('pending', 'inflight'))
     ORDER BY j.next_attempt_at, j.id LIMIT @limit`,
    ),
    nextDue: db.prepare<[], { at: number }>(
      `SELECT j.next_attempt_at AS at FROM jobs j
     LEFT JOIN jobs d ON d.key = j.depends_on AND d.id < j.id
     WHERE j.lane_head = 1 AND j.state = 'pending'
       AND (d.state IS NULL OR d.state NOT IN ('pending', 'inflight'))
     ORDER BY j.next_attempt_at, j.id LIMIT 1`,
    ),
    claim: db.prepare<[number, number], JobRow>(
      `UPDATE jobs SET state = 'inflight', attempts = attempts + 1, updated_at = ?
     WHERE id = ? AND state = 'pending' RETURNING *`,
    ),
    delivered: db.prepare<[string | null, string, number, number, number], JobRow>(
      `UPDATE jobs SET state = 'delivered', lane_head = 0, payload = COALESCE(?, payload), result = ?,
       delivered_at = ?, updated_at = ? WHERE id = ? AND state = 'inflight' RETURNING *`,
    ),
    retry: db.prepare<[number, string, string, number, number]>(
      `UPDATE jobs SET state = 'pending', next_attempt_at = ?, last_error_code = ?, last_error_message = ?,
       updated_at = ? WHERE id = ? AND state = 'inflight'`,
    ),
    dead: db.prepare<[string, string, number, number], JobRow>(
      `UPDATE jobs SET state = 'dead', lane_head = 0, last_error_code = ?, last_error_message = ?, updated_at = ?
     WHERE id = ? AND ${ACTIVE} RETURNING *`,
    ),
    revive: db.prepare<[number, number, number, number]>(
      `UPDATE jobs SET state = 'pending', lane_head = ?, attempts = 0, next_attempt_at = ?, updated_at = ?
     WHERE id = ? AND state = 'dead'`,
    ),
    deadDependents: db.prepare<[string], { id: number }>(
      `SELECT id FROM jobs WHERE depends_on = ? AND state = 'dead' AND last_error_code = 'dependency_failed'
     ORDER BY id`,
    ),
    discard: db.prepare<[number, number]>(
      `UPDATE jobs SET state = 'discarded', updated_at = ? WHERE id = ? AND state = 'dead'`,
    ),
    oldest: db.prepare<[], { created_at: number }>(
      `SELECT created_at FROM jobs WHERE ${ACTIVE} ORDER BY created_at LIMIT 1`,
    ),
    deadCount: db.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM jobs WHERE state = 'dead'`),
    listDead: db.prepare<[number], JobRow>(`SELECT * FROM jobs WHERE state = 'dead' ORDER BY id LIMIT ?`),
    byState: db.prepare<[], { state: JobState; n: number }>(
      'SELECT state, COUNT(*) AS n FROM jobs GROUP BY state',
    ),
    pruneDelivered: db.prepare<[number, number]>(
      `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE state = 'delivered' AND delivered_at < ? LIMIT ?)`,
    ),
    pruneDiscarded: db.prepare<[number, number]>(
      `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE state = 'discarded' AND updated_at < ? LIMIT ?)`,
    ),
  };
}

export function toJob(r: JobRow): OutboxJob {
  const job: {
    -readonly [K in keyof OutboxJob]: OutboxJob[K];
  } = {
    id: r.id,
    key: r.key,
    kind: r.kind,
    orderKey: r.order_key,
    payload: r.payload,
    state: r.state,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    laneHead: r.lane_head === 1,
  };
  if (r.depends_on !== null) job.dependsOn = r.depends_on;
  if (r.delivered_at !== null) job.deliveredAt = r.delivered_at;
  if (r.last_error_code !== null)
    job.lastError = { code: r.last_error_code, message: r.last_error_message ?? '' };
  if (r.result !== null) job.result = r.result;
  return job;
}
