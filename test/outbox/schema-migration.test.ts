// An outbox file written by an older gateway (schema V1: `id ... AUTOINCREMENT`) opens in this one:
// every job keeps its id, state, lane and dependency; inflight jobs are pending again; the depth
// counter is right; new jobs get ids after the old ones; and each enqueue writes one page less.
// The fixture is a real V1 file, made by the gateway before V2 (jobs delivered, dead, inflight,
// pending, and a reverse that waits on its turnover), closed cleanly.
import { copyFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import Database from 'better-sqlite3';
import { SCHEMA_VERSION } from '../../src/outbox/schema.ts';
import { openOutboxStore } from '../../src/outbox/store.ts';
import { mustEnqueue, tempDir, turnover } from './helpers.ts';

const V1_FILE = fileURLToPath(new URL('./fixtures/outbox-v1.sqlite', import.meta.url));

function oldFile(t: Parameters<typeof tempDir>[0]): string {
  const path = join(tempDir(t), 'outbox.sqlite');
  copyFileSync(V1_FILE, path);
  return path;
}

test('the fixture is a V1 file with AUTOINCREMENT (what this test upgrades)', (t) => {
  // A copy: even a read-only connection leaves -shm/-wal files beside a WAL database.
  const raw = new Database(oldFile(t), { readonly: true, fileMustExist: true });
  t.teardown(() => raw.close());
  t.is(raw.pragma('user_version', { simple: true }), 1);
  const sql = raw
    .prepare<[], { sql: string }>(`SELECT sql FROM sqlite_master WHERE name = 'jobs'`)
    .get()!.sql;
  t.regex(sql, /AUTOINCREMENT/);
});

test('a V1 outbox opens with every job as it was, inflight ones pending again, ids kept', (t) => {
  const path = oldFile(t);
  const store = openOutboxStore({ path });
  t.teardown(() => store.close());
  const jobs = ['tx-a1', 'tx-b1', 'tx-c1', 'tx-a2', 'tx-a3', 'tx-r1'].map((k) => store.get(k));
  t.deepEqual(
    jobs.map((j) => [j?.id, j?.state, j?.orderKey, j?.laneHead, j?.dependsOn]),
    [
      [1, 'delivered', 'C-1', false, undefined],
      [2, 'dead', 'C-2', false, undefined],
      [3, 'pending', 'C-3', true, undefined],
      [4, 'pending', 'C-1', true, undefined],
      [5, 'pending', 'C-1', false, undefined],
      [6, 'pending', 'C-1', false, 'tx-a2'],
    ],
  );
  t.is(
    store.get('tx-a1')?.result,
    JSON.stringify({ purchaseId: 'P-1', pointsEarned: 12, pointsBalance: 112 }),
  );
  t.deepEqual(store.get('tx-b1')?.lastError, {
    code: 'invalid',
    message: 'the provider refused the booking',
  });
  t.is(store.depth(), 4);
  t.deepEqual(
    store.listDead().map((j) => j.key),
    ['tx-b1'],
  );
  // A new job comes after every old one, in its lane too.
  const next = mustEnqueue(store, turnover('tx-new', 'C-1'));
  t.is(next.id, 7);
  t.false(next.laneHead);
  t.is(store.depth(), 5);
  // The lanes still go in order: C-3's and C-1's heads first; the reverse waits for its turnover.
  t.deepEqual(
    store
      .claimReady(Date.now() + 60_000, 10)
      .claimed.map((j) => j.key)
      .sort(),
    ['tx-a2', 'tx-c1'],
  );
});

test('after the upgrade the schema has no AUTOINCREMENT, and an enqueue writes one WAL page less', (t) => {
  const path = oldFile(t);
  const store = openOutboxStore({ path });
  t.teardown(() => store.close());
  const raw = new Database(path, { readonly: true });
  t.teardown(() => raw.close());
  t.is(raw.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  const sql = raw
    .prepare<[], { sql: string }>(`SELECT sql FROM sqlite_master WHERE name = 'jobs'`)
    .get()!.sql;
  t.notRegex(sql, /AUTOINCREMENT/);
  t.deepEqual(raw.prepare(`SELECT name FROM sqlite_sequence WHERE name = 'jobs'`).all(), []);
  // Indexes and triggers are there again: the depth counter follows inserts and state changes.
  const names = raw
    .prepare<[], { name: string }>(
      `SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger') ORDER BY name`,
    )
    .all()
    .map((r) => r.name);
  t.deepEqual(names, [
    'jobs_active_age',
    'jobs_active_delete',
    'jobs_active_insert',
    'jobs_active_update',
    'jobs_dead',
    'jobs_delivered_at',
    'jobs_dependents',
    'jobs_discarded_at',
    'jobs_lane',
    'jobs_ready',
    'sqlite_autoindex_jobs_1',
  ]);
  // WAL frames of one commit: header 32 bytes, then 24 + page size per frame.
  const pageSize = raw.pragma('page_size', { simple: true }) as number;
  const walSize = () => statSync(`${path}-wal`).size;
  // The fewest of 20 commits: now and then a commit also writes page 1 (the file grew a page).
  let fewest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 20; i++) {
    const before = walSize();
    mustEnqueue(store, turnover(`tx-pages-${i}`, `lane-${i % 3}`));
    fewest = Math.min(fewest, (walSize() - before) / (24 + pageSize));
  }
  // The row, the key, lane and age indexes, the counter: five pages (six with AUTOINCREMENT).
  t.is(fewest, 5);
});
