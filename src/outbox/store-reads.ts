// What the store tells without writing: one job by key or id, the backlog's depth and age, its
// counts by state, and when the next job is due (health, metrics, the status page, the dispatcher).
import { type JobRow, type prepareStatements, toJob } from './statements.ts';
import type { OutboxStore } from './store.ts';
import type { JobState } from './types.ts';

type Statements = ReturnType<typeof prepareStatements>;

export type StoreReads = Pick<
  OutboxStore,
  'get' | 'getById' | 'depth' | 'oldestAgeS' | 'stats' | 'nextDueAt'
>;

export function storeReads(stmt: Statements, now: () => number, maxDepth: number): StoreReads {
  function activeCount(): number {
    return stmt.active.get() ?? 0;
  }

  function oldestAgeS(): number {
    const row = stmt.oldest.get();
    return row ? Math.max(0, Math.floor((now() - row.created_at) / 1000)) : 0;
  }

  return {
    get: (key) => (typeof key === 'string' ? opt(stmt.byKey.get(key)) : undefined),
    getById: (id) => (Number.isInteger(id) ? opt(stmt.byId.get(id)) : undefined),
    depth: activeCount,
    oldestAgeS,
    stats() {
      const counts: Record<JobState, number> = {
        pending: 0,
        inflight: 0,
        delivered: 0,
        dead: 0,
        discarded: 0,
      };
      for (const { state, n } of stmt.byState.all()) counts[state] = n;
      return {
        depth: counts.pending + counts.inflight,
        ...counts,
        oldestAgeS: oldestAgeS(),
        maxDepth,
      };
    },
    nextDueAt: () => stmt.nextDue.get()?.at,
  };
}

const opt = (r: JobRow | undefined) => (r ? toJob(r) : undefined);
