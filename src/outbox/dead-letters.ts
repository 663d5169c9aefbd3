// The dead letters (DESIGN §5): jobs the provider refused for good, or whose dependency failed,
// kept for a technician to look at, retry or discard. Nothing leaves them on its own.
import type Database from 'better-sqlite3';
import type { Logger } from '../log.ts';
import { reviveIntoLane } from './lanes.ts';
import { errMsg } from './outcome.ts';
import { type prepareStatements, toJob } from './statements.ts';
import type { OutboxStore } from './store.ts';
import type { DeadLetterActionResult } from './types.ts';

type Statements = ReturnType<typeof prepareStatements>;

export type DeadLetters = Pick<OutboxStore, 'deadCount' | 'listDead' | 'retryDead' | 'discardDead'>;

export function deadLetters(
  db: Database.Database,
  stmt: Statements,
  now: () => number,
  log: Logger,
): DeadLetters {
  const retryDeadTx = db.transaction((id: number): DeadLetterActionResult => {
    const row = stmt.byId.get(id);
    if (!row) return { ok: false, code: 'not_found', message: `no job with id ${id}` };
    if (row.state !== 'dead') return { ok: false, code: 'not_dead', message: `job ${id} is ${row.state}` };
    let revived = -1;
    const queue = [row.id];
    while (queue.length > 0) {
      const next = stmt.byId.get(queue.shift()!);
      if (next?.state !== 'dead') continue;
      reviveIntoLane(stmt, next, now);
      revived++;
      for (const dep of stmt.deadDependents.all(next.key)) queue.push(dep.id);
    }
    return { ok: true, job: toJob(stmt.byId.get(id)!), revived };
  });

  return {
    deadCount: () => stmt.deadCount.get()?.n ?? 0,
    listDead: (limit = 1000) => stmt.listDead.all(clampLimit(limit)).map(toJob),
    retryDead(id) {
      if (!Number.isInteger(id)) return { ok: false, code: 'not_found', message: 'id must be an integer' };
      try {
        const res = retryDeadTx.immediate(id);
        if (res.ok) log.info('dead letter retried', { id, key: res.job.key, revived: res.revived });
        return res;
      } catch (err) {
        return { ok: false, code: 'store_error', message: errMsg(err) };
      }
    },
    discardDead(id) {
      if (!Number.isInteger(id)) return { ok: false, code: 'not_found', message: 'id must be an integer' };
      try {
        const row = stmt.byId.get(id);
        if (!row) return { ok: false, code: 'not_found', message: `no job with id ${id}` };
        if (stmt.discard.run(now(), id).changes === 0) {
          return { ok: false, code: 'not_dead', message: `job ${id} is ${row.state}` };
        }
        log.info('dead letter discarded', { id, key: row.key, kind: row.kind });
        return { ok: true, job: toJob(stmt.byId.get(id)!), revived: 0 };
      } catch (err) {
        return { ok: false, code: 'store_error', message: errMsg(err) };
      }
    },
  };
}

const clampLimit = (n: number) => (Number.isInteger(n) && n > 0 ? Math.min(n, 100_000) : 1000);
