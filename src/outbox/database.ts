// Opening the outbox database file: permissions, durability pragmas, migrations and crash recovery.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { type JournalRecovery, journalLeftBehind, measureRecovery } from './journal-recovery.ts';
import { migrate } from './schema.ts';
import { ACTIVE } from './statements.ts';

/**
 * `onUncleanStop` is told what the last process left in the WAL when it never closed the file (a
 * kill or power cut), measured before anything new is written.
 */
export function openDatabase(
  path: string,
  busyTimeoutMs: number,
  onUncleanStop?: (found: JournalRecovery) => void,
): Database.Database {
  const onDisk = path !== ':memory:';
  const left = onDisk && onUncleanStop ? journalLeftBehind(path) : undefined;
  if (onDisk) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // Create the file 0600 ourselves: SQLite gives -wal/-shm the mode of the database file.
    if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
    chmodSync(path, 0o600);
  }
  const db = new Database(path, { timeout: busyTimeoutMs });
  try {
    db.pragma('journal_mode = WAL');
    // FULL: the WAL is fsynced at every commit, so `queued` survives a power cut (DESIGN §5).
    db.pragma('synchronous = FULL');
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    if (left) {
      // The first statement replayed the WAL; a passive checkpoint reports how many frames it kept.
      const [row] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
      onUncleanStop!(measureRecovery(left, Math.max(0, row?.log ?? 0)));
    }
    // Freed bytes are zeroed, not left in the page: a delivered job's token, once replaced by what
    // the job keeps (DESIGN §2), must not stay readable in the file (see store.ts `forgetOldFrames`).
    db.pragma('secure_delete = ON');
    migrate(db);
    if (onDisk) for (const f of [`${path}-wal`, `${path}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Crash recovery at open: a job that was inflight when the process died is pending again (deliver is
 * idempotent through the key, so resending is safe — DESIGN §4); lane heads and the active counter
 * are rebuilt from the rows so a torn invariant can never stall a lane.
 */
export function recover(db: Database.Database, at: number, resetInflight: boolean): number {
  return db
    .transaction(() => {
      const reset = resetInflight
        ? db
            .prepare(`UPDATE jobs SET state = 'pending', next_attempt_at = MIN(next_attempt_at, ?), updated_at = ?
                      WHERE state = 'inflight'`)
            .run(at, at).changes
        : 0;
      db.prepare(`UPDATE jobs SET lane_head = 0 WHERE lane_head = 1 AND NOT ${ACTIVE}`).run();
      db.prepare(
        `UPDATE jobs SET lane_head = 1 - lane_head WHERE ${ACTIVE}
           AND lane_head <> (id IN (SELECT MIN(id) FROM jobs WHERE ${ACTIVE} GROUP BY order_key))`,
      ).run();
      db.prepare(
        `UPDATE counters SET value = (SELECT COUNT(*) FROM jobs WHERE ${ACTIVE}) WHERE name = 'active'`,
      ).run();
      return reset;
    })
    .immediate();
}
