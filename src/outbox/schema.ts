// Schema of the outbox database and its migrations, versioned by SQLite's `user_version`.
// Each migration runs in one transaction; a database newer than this code is refused, not guessed at.
import type Database from 'better-sqlite3';
import { OutboxError } from './errors.ts';

// Why these columns and indexes (every query on the hot path is an index seek, so enqueue stays flat
// with depth — DESIGN §5/§10 "flat: at 10,000 queued ≤ 1.5 × at 0"):
// - lane_head marks the one job of each FIFO lane (order_key) that may be sent next. Keeping it as a
//   column makes "which jobs are ready" an index range scan instead of a MIN(id) per lane over the
//   whole backlog. Invariant: every lane with pending/inflight jobs has exactly one head.
// - counters.active (pending + inflight) is kept by triggers in the same transaction, so the
//   `buffer_full` check and depth() are O(1) and stay right even if another process (the CLI) writes.

// The columns of `jobs` after its id (V1 and V2 differ in the id only), its indexes and triggers:
// created by V1, and again by V2 after its rebuild of the table.
const JOBS_COLUMNS = `
  key TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  order_key TEXT NOT NULL,
  payload TEXT NOT NULL,
  depends_on TEXT,
  state TEXT NOT NULL CHECK (state IN ('pending', 'inflight', 'delivered', 'dead', 'discarded')),
  lane_head INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  delivered_at INTEGER,
  last_error_code TEXT,
  last_error_message TEXT,
  result TEXT
`;
const JOBS_INDEXES = `
CREATE INDEX jobs_lane ON jobs (order_key, id) WHERE state IN ('pending', 'inflight');
CREATE INDEX jobs_ready ON jobs (next_attempt_at, id) WHERE lane_head = 1 AND state = 'pending';
CREATE INDEX jobs_active_age ON jobs (created_at) WHERE state IN ('pending', 'inflight');
CREATE INDEX jobs_dead ON jobs (id) WHERE state = 'dead';
CREATE INDEX jobs_dependents ON jobs (depends_on) WHERE depends_on IS NOT NULL;
CREATE INDEX jobs_delivered_at ON jobs (delivered_at) WHERE state = 'delivered';
CREATE INDEX jobs_discarded_at ON jobs (updated_at) WHERE state = 'discarded';
`;
const JOBS_TRIGGERS = `
CREATE TRIGGER jobs_active_insert AFTER INSERT ON jobs
WHEN NEW.state IN ('pending', 'inflight')
BEGIN
  UPDATE counters SET value = value + 1 WHERE name = 'active';
END;
CREATE TRIGGER jobs_active_update AFTER UPDATE OF state ON jobs
WHEN (OLD.state IN ('pending', 'inflight')) <> (NEW.state IN ('pending', 'inflight'))
BEGIN
  UPDATE counters SET value = value + (CASE WHEN NEW.state IN ('pending', 'inflight') THEN 1 ELSE -1 END)
  WHERE name = 'active';
END;
CREATE TRIGGER jobs_active_delete AFTER DELETE ON jobs
WHEN OLD.state IN ('pending', 'inflight')
BEGIN
  UPDATE counters SET value = value - 1 WHERE name = 'active';
END;
`;

const V1 = `
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,${JOBS_COLUMNS});
${JOBS_INDEXES}CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO counters (name, value) VALUES ('active', 0);

${JOBS_TRIGGERS}`;

// V2: `id` without AUTOINCREMENT. AUTOINCREMENT made every enqueue write one more page (its row in
// sqlite_sequence) to the WAL the till's commit fsyncs (measured: 6.3 WAL frames per enqueue, 5.3
// without). What it guaranteed beyond a plain rowid — an id is never reused, even after the highest row is deleted — nothing
// here relies on: ids stay in the box (the technician's dead letters, the dispatcher's inflight
// map); tills and the provider know jobs by their transaction. A plain rowid is max(id) + 1, so a
// new job still sorts after every job in the table (the FIFO lanes and `dependsOn`'s `d.id < j.id`
// only compare rows that exist). Only a row deleted by prune (delivered or discarded, past the
// retention) can have its id taken again, and no action by id applies to such rows (dead only).
// SQLite cannot drop AUTOINCREMENT in place: the table is rebuilt with its rows and ids as they
// were, in the migration's one transaction; the indexes and triggers of V1 are created again.
const V2 = `
CREATE TABLE jobs_v2 (
  id INTEGER PRIMARY KEY,${JOBS_COLUMNS});
INSERT INTO jobs_v2 SELECT id, key, kind, order_key, payload, depends_on, state, lane_head, attempts,
  next_attempt_at, created_at, updated_at, delivered_at, last_error_code, last_error_message, result FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_v2 RENAME TO jobs;
DELETE FROM sqlite_sequence WHERE name = 'jobs';
${JOBS_INDEXES}${JOBS_TRIGGERS}`;

/** Index i holds the migration from user_version i to i + 1. Append only; never edit a shipped one. */
const MIGRATIONS: readonly string[] = [V1, V2];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new OutboxError(
      'schema_too_new',
      `outbox database has schema version ${current}, this gateway knows up to ${SCHEMA_VERSION}`,
    );
  }
  for (let v = current; v < SCHEMA_VERSION; v++) {
    const sql = MIGRATIONS[v]!;
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
