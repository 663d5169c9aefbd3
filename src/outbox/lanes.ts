// Lanes (DESIGN §5, dispatcher.ts): one FIFO per `orderKey`, and only its head may be claimed. These
// are the writes that move a lane's head: claiming ready heads, handing a lane on when its head
// leaves, and putting a revived dead letter back in its lane.
import type Database from 'better-sqlite3';
import { type JobRow, type prepareStatements, toJob } from './statements.ts';
import type { ClaimResult, OutboxJob } from './types.ts';

type Statements = ReturnType<typeof prepareStatements>;

/** A job left pending/inflight: hand the lane to its next job. */
export function leaveLane(stmt: Statements, row: JobRow): void {
  stmt.promote.run(row.order_key);
}

/** Marks ready lane heads inflight, at most `limit`; heads whose dependency failed go dead. */
export function claimTransaction(db: Database.Database, stmt: Statements, now: () => number) {
  return db.transaction((at: number, limit: number): ClaimResult => {
    const claimed: OutboxJob[] = [];
    const dependencyFailed: OutboxJob[] = [];
    // Loop because a head that dies of its dependency hands its lane to a job that may be ready.
    for (let more = true; more && claimed.length < limit; ) {
      more = false;
      for (const row of stmt.ready.all({ now: at, limit: limit - claimed.length })) {
        if (row.dep_state === 'dead' || row.dep_state === 'discarded') {
          // A reverse must not go out when the booking it cancels never reached the provider; it
          // waits in the dead letters until a technician resolves the booking (DESIGN §2 flow 4).
          const message = `depends on ${row.depends_on}, which is ${row.dep_state}`;
          const dead = stmt.dead.get('dependency_failed', message, now(), row.id);
          if (dead) {
            leaveLane(stmt, dead);
            dependencyFailed.push(toJob(dead));
            more = true;
          }
          continue;
        }
        const job = stmt.claim.get(now(), row.id);
        if (job) claimed.push(toJob(job));
      }
    }
    return { claimed, dependencyFailed };
  });
}

/**
 * The revived job takes its lane's head when it is older than a head that is only waiting, so
 * a waiting head is always its lane's oldest job and every wait points at an older job: no cycle of
 * lanes and dependencies can block each other. An inflight head finishes first.
 */
export function reviveIntoLane(stmt: Statements, row: JobRow, now: () => number): void {
  const head = stmt.laneHead.get(row.order_key);
  let takeHead = head === undefined;
  if (head && head.state === 'pending' && head.id > row.id) {
    stmt.setHead.run(0, head.id);
    takeHead = true;
  }
  const at = now();
  stmt.revive.run(takeHead ? 1 : 0, at, at, row.id);
}
