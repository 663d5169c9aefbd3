// The durable store on real SQLite files (DESIGN §5): durability, idempotency, the cap, crash
// recovery, figures for health, dead-letter actions, retention, file modes and migrations.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import Database from 'better-sqlite3';
import { OutboxError } from '../../src/outbox/errors.ts';
import { SCHEMA_VERSION } from '../../src/outbox/schema.ts';
import { openOutboxStore } from '../../src/outbox/store.ts';
import type { EnqueueInput } from '../../src/outbox/types.ts';
import { fakeClock, mustEnqueue, openTemp, tempDir, turnover } from './helpers.ts';

const DAY = 24 * 3600 * 1000;

test('an enqueued job is still there after the store is closed and reopened', (t) => {
  const { store, path } = openTemp(t);
  const job = mustEnqueue(store, turnover('txn-1', 'cust-1', { payload: '{"exact":"bytes" }' }));
  store.close();

  const reopened = openOutboxStore({ path });
  t.teardown(() => reopened.close());

  const again = reopened.get('txn-1');
  t.is(again?.id, job.id);
  t.is(again?.payload, '{"exact":"bytes" }');
  t.is(again?.state, 'pending');
  t.is(reopened.depth(), 1);
});

test('a committed job is visible to a second connection while the first was never closed', (t) => {
  const { store, path } = openTemp(t);
  mustEnqueue(store, turnover('txn-1'));

  // Given the owner never closes (as after a crash), when another opens the file, then the job is there.
  const other = openOutboxStore({ path });
  t.teardown(() => other.close());
  t.is(other.get('txn-1')?.kind, 'turnover');
});

test('the job enqueue returns is the row it stored, as a read gives it back', (t) => {
  const clock = fakeClock();
  const { store } = openTemp(t, { now: clock.now });
  // A lane's head, the job behind it, one that depends on another, and one in a lane of its own.
  const inputs = [
    turnover('txn-1', 'cust-1'),
    turnover('txn-2', 'cust-1'),
    turnover('txn-3', 'cust-1', { kind: 'reverse', dependsOn: 'txn-1' }),
    turnover('txn-4', 'cust-2'),
  ];
  const jobs = inputs.map((input) => {
    clock.advance(7);
    return mustEnqueue(store, input);
  });
  t.deepEqual(
    jobs.map((j) => [j.key, j.laneHead, j.dependsOn]),
    [
      ['txn-1', true, undefined],
      ['txn-2', false, undefined],
      ['txn-3', false, 'txn-1'],
      ['txn-4', true, undefined],
    ],
  );
  for (const job of jobs) t.deepEqual(job, store.get(job.key));
});

test('enqueueing an existing key returns the stored job and writes no second row', (t) => {
  const { store } = openTemp(t);
  const first = store.enqueue(turnover('txn-1'));
  const same = store.enqueue(turnover('txn-1'));
  const changed = store.enqueue(turnover('txn-1', 'cust-1', { payload: '{"other":1}' }));

  t.true(first.ok && first.created);
  t.like(same, { ok: true, created: false, samePayload: true });
  t.like(changed, { ok: true, created: false, samePayload: false });
  t.is(same.ok && same.job.id, first.ok && first.job.id);
  // The first body stays: retries resend it byte for byte (DESIGN §4).
  t.is(store.get('txn-1')?.payload, turnover('txn-1').payload);
  t.is(store.stats().pending, 1);
});

test('a delivered job keeps the payload its outcome gives, and its old bytes leave the file and the WAL', (t) => {
  const clock = fakeClock();
  const { store, path } = openTemp(t, { now: clock.now });
  const token = 'HA-TOKEN-7Q2W9E4R';
  mustEnqueue(store, turnover('txn-1', 'cust-1', { payload: `{"code":"${token}"}` }));
  mustEnqueue(store, turnover('txn-2', 'cust-2', { payload: '{"code":"kept-as-is"}' }));
  const claimed = store.claimReady(clock.now(), 2).claimed;
  const id = (key: string) => claimed.find((j) => j.key === key)!.id;
  t.deepEqual(
    store.settle([
      { id: id('txn-1'), outcome: 'delivered', result: '{}', payload: '{"code":"****9E4R"}' },
      { id: id('txn-2'), outcome: 'delivered', result: '{}' },
    ]),
    [true, true],
  );
  t.is(store.get('txn-1')?.payload, '{"code":"****9E4R"}');
  t.is(store.get('txn-2')?.payload, '{"code":"kept-as-is"}');
  for (const file of [path, `${path}-wal`])
    t.false(existsSync(file) && readFileSync(file).includes(token), `${file} still holds the token`);
});

test('at the cap a new job is refused with buffer_full, and accepted again after a delivery', (t) => {
  const clock = fakeClock();
  const { store } = openTemp(t, { maxDepth: 2, now: clock.now });
  mustEnqueue(store, turnover('txn-1', 'cust-1'));
  mustEnqueue(store, turnover('txn-2', 'cust-2'));

  const refused = store.enqueue(turnover('txn-3', 'cust-3'));
  t.like(refused, { ok: false, code: 'buffer_full' });
  t.is(store.get('txn-3'), undefined);
  // A till resending a transaction that is already queued still gets its answer at the cap.
  t.like(store.enqueue(turnover('txn-1', 'cust-1')), { ok: true, created: false });

  const [job] = store.claimReady(clock.now(), 1).claimed;
  t.true(store.markDelivered(job!.id, '{"points":5}'));

  t.like(store.enqueue(turnover('txn-3', 'cust-3')), { ok: true, created: true });
  t.is(store.depth(), 2);
});

test('garbage input is refused as invalid_job, never thrown, and nothing is stored', (t) => {
  const { store } = openTemp(t);
  const garbage: unknown[] = [
    null,
    42,
    {},
    { ...turnover('txn-1'), key: '' },
    { ...turnover('txn-1'), payload: { not: 'a string' } },
    { ...turnover('txn-1'), orderKey: 7 },
    turnover('txn-1', 'cust-1', { dependsOn: 'txn-1' }),
    { ...turnover('txn-1'), key: 'x'.repeat(500) },
  ];
  for (const input of garbage) {
    t.like(store.enqueue(input as EnqueueInput), { ok: false, code: 'invalid_job' });
  }
  t.is(store.stats().pending, 0);
});

test('a job that was inflight when the process died is pending again after reopen, attempts kept', (t) => {
  const clock = fakeClock();
  const { store, path } = openTemp(t, { now: clock.now });
  mustEnqueue(store, turnover('txn-1'));
  const [claimed] = store.claimReady(clock.now(), 5).claimed;
  t.is(claimed?.state, 'inflight');
  store.close();

  clock.advance(60_000);
  const reopened = openOutboxStore({ path, now: clock.now });
  t.teardown(() => reopened.close());

  t.like(reopened.get('txn-1'), { state: 'pending', attempts: 1 });
  t.is(reopened.claimReady(clock.now(), 5).claimed[0]?.key, 'txn-1');
});

test('a second process that opens the store without recovery leaves running deliveries alone', (t) => {
  const clock = fakeClock();
  const { store, path } = openTemp(t, { now: clock.now });
  mustEnqueue(store, turnover('txn-1'));
  store.claimReady(clock.now(), 1);

  const tool = openOutboxStore({ path, recoverInflight: false });
  t.teardown(() => tool.close());

  t.is(tool.get('txn-1')?.state, 'inflight');
  t.is(store.get('txn-1')?.state, 'inflight');
});

test('depth, oldest age and dead count describe the backlog', (t) => {
  const clock = fakeClock();
  const { store } = openTemp(t, { now: clock.now });
  t.deepEqual([store.depth(), store.oldestAgeS(), store.deadCount()], [0, 0, 0]);

  mustEnqueue(store, turnover('txn-1', 'cust-1'));
  clock.advance(2000);
  mustEnqueue(store, turnover('txn-2', 'cust-2'));
  mustEnqueue(store, turnover('txn-3', 'cust-3'));
  clock.advance(3500);
  const [first] = store.claimReady(clock.now(), 1).claimed;
  store.markDead(first!.id, { code: 'invalid', message: 'receipt rejected' });

  t.is(store.depth(), 2);
  t.is(store.oldestAgeS(), 3);
  t.is(store.deadCount(), 1);
  t.like(store.stats(), { depth: 2, pending: 2, inflight: 0, dead: 1, delivered: 0, oldestAgeS: 3 });
});

test('a dead letter can be discarded; pending or unknown jobs cannot', (t) => {
  const clock = fakeClock();
  const { store } = openTemp(t, { now: clock.now });
  const dead = mustEnqueue(store, turnover('txn-1', 'cust-1'));
  const pending = mustEnqueue(store, turnover('txn-2', 'cust-2'));
  store.claimReady(clock.now(), 1);
  store.markDead(dead.id, { code: 'invalid', message: 'no' });

  t.like(store.discardDead(pending.id), { ok: false, code: 'not_dead' });
  t.like(store.discardDead(9999), { ok: false, code: 'not_found' });
  t.like(store.discardDead(dead.id), { ok: true, job: { state: 'discarded' } });
  t.is(store.deadCount(), 0);
  t.deepEqual(store.listDead(), []);
});

test('retrying a dead letter makes it pending with fresh attempts', (t) => {
  const clock = fakeClock();
  const { store } = openTemp(t, { now: clock.now });
  const job = mustEnqueue(store, turnover('txn-1'));
  store.claimReady(clock.now(), 1);
  store.markDead(job.id, { code: 'invalid', message: 'no' });
  t.like(store.retryDead(mustEnqueue(store, turnover('txn-2', 'other')).id), { ok: false, code: 'not_dead' });

  const res = store.retryDead(job.id);

  t.like(res, { ok: true, revived: 0, job: { state: 'pending', attempts: 0 } });
  t.is(store.depth(), 2);
  t.is(store.claimReady(clock.now(), 5).claimed.length, 2);
});

test('a lane hands out one job at a time in enqueue order', (t) => {
  const clock = fakeClock();
  const { store } = openTemp(t, { now: clock.now });
  for (const key of ['a1', 'a2', 'a3']) mustEnqueue(store, turnover(key, 'lane-a'));
  mustEnqueue(store, turnover('b1', 'lane-b'));

  t.deepEqual(
    store.claimReady(clock.now(), 10).claimed.map((j) => j.key),
    ['a1', 'b1'],
  );
  t.deepEqual(store.claimReady(clock.now(), 10).claimed, []);
  store.markDelivered(store.get('a1')!.id, 'null');
  t.deepEqual(
    store.claimReady(clock.now(), 10).claimed.map((j) => j.key),
    ['a2'],
  );
});

test('a job waits for an older dependency in another lane, but not for a key the outbox never saw', (t) => {
  const clock = fakeClock();
  const { store } = openTemp(t, { now: clock.now });
  mustEnqueue(store, turnover('blocker', 'lane-a'));
  mustEnqueue(store, turnover('sale', 'lane-a'));
  mustEnqueue(store, {
    key: 'storno',
    kind: 'reverse',
    orderKey: 'lane-b',
    payload: '{}',
    dependsOn: 'sale',
  });
  mustEnqueue(store, {
    key: 'void',
    kind: 'void_redemption',
    orderKey: 'lane-c',
    payload: '{}',
    dependsOn: 'x',
  });

  t.deepEqual(store.nextDueAt(), clock.now());
  t.deepEqual(
    store.claimReady(clock.now(), 10).claimed.map((j) => j.key),
    ['blocker', 'void'],
  );
  store.markDelivered(store.get('blocker')!.id, 'null');
  t.deepEqual(
    store.claimReady(clock.now(), 10).claimed.map((j) => j.key),
    ['sale'],
  );
  t.is(store.nextDueAt(), undefined); // the storno waits on the sale: no timer for it
  store.markDelivered(store.get('sale')!.id, 'null');
  t.deepEqual(
    store.claimReady(clock.now(), 10).claimed.map((j) => j.key),
    ['storno'],
  );
});

test('delivered and discarded jobs are pruned after the retention period, undelivered never', (t) => {
  const clock = fakeClock();
  const { store } = openTemp(t, { now: clock.now, retentionMs: 7 * DAY });
  for (const key of ['old', 'old-dead', 'pending']) mustEnqueue(store, turnover(key, key));
  for (const j of store.claimReady(clock.now(), 2).claimed) {
    if (j.key === 'old') store.markDelivered(j.id, '{"points":1}');
    else store.markDead(j.id, { code: 'invalid', message: 'no' });
  }
  store.discardDead(store.get('old-dead')!.id);
  clock.advance(6 * DAY);
  mustEnqueue(store, turnover('recent', 'recent'));
  store.markDelivered(store.claimReady(clock.now(), 5).claimed.find((j) => j.key === 'recent')!.id, 'null');

  t.is(store.prune(), 0);
  clock.advance(DAY + 1);
  t.is(store.prune(), 2);

  t.is(store.get('old'), undefined);
  t.is(store.get('old-dead'), undefined);
  t.is(store.get('recent')?.state, 'delivered');
  t.is(store.get('pending')?.state, 'inflight');
});

test('the database, its WAL and shared memory files are 0600 in a created directory', (t) => {
  const path = join(tempDir(t), 'fresh', 'nested', 'outbox.sqlite');
  const store = openOutboxStore({ path });
  t.teardown(() => store.close());
  mustEnqueue(store, turnover('txn-1'));

  // An open WAL database has all three.
  const files = [path, `${path}-wal`, `${path}-shm`];
  t.deepEqual(
    files.filter((f) => existsSync(f)),
    files,
  );
  const raw = new Database(path, { readonly: true });
  t.teardown(() => raw.close());
  t.is(raw.pragma('journal_mode', { simple: true }), 'wal');
  for (const f of files) t.is(statSync(f).mode & 0o777, 0o600, f);
});

test('the store commits in WAL mode with synchronous=FULL on its own connection (DESIGN §5)', (t) => {
  const { store, path } = openTemp(t);
  // synchronous is a setting of the connection, not of the file: only the store's own one tells.
  const full = { journalMode: 'wal', synchronous: 'full' };
  t.deepEqual(store.durability(), full, 'at open');
  // Claims and retry schedules commit relaxed (store.ts `relaxed`); every commit after them is FULL again.
  const job = mustEnqueue(store, turnover('txn-1'));
  t.deepEqual(store.durability(), full, 'after an enqueue');
  t.is(store.claimReady(Date.now(), 8).claimed.length, 1);
  t.deepEqual(store.durability(), full, 'after a claim');
  store.markRetry(job.id, Date.now(), { code: 'provider_unreachable', message: 'down' });
  t.deepEqual(store.durability(), full, 'after a retry schedule');
  // WAL is a setting of the file: every later connection finds it.
  const raw = new Database(path, { readonly: true });
  t.teardown(() => raw.close());
  t.is(raw.pragma('journal_mode', { simple: true }), 'wal');
});

test('the schema is versioned, and a database from a newer version is refused', (t) => {
  const { store, path } = openTemp(t);
  store.close();
  const raw = new Database(path);
  t.is(raw.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  raw.pragma('user_version = 99');
  raw.close();

  const err = t.throws(() => openOutboxStore({ path }), { instanceOf: OutboxError });
  t.is(err?.code, 'schema_too_new');
});

test('a file that is not a database is refused at open with store_unavailable', (t) => {
  const path = join(tempDir(t), 'outbox.sqlite');
  writeFileSync(path, 'this is not sqlite '.repeat(300));

  const err = t.throws(() => openOutboxStore({ path }), { instanceOf: OutboxError });
  t.is(err?.code, 'store_unavailable');
});

test('writes after close are reported as store_error, not thrown', (t) => {
  const { store } = openTemp(t);
  store.close();
  t.like(store.enqueue(turnover('txn-1')), { ok: false, code: 'store_error' });
  t.like(store.retryDead(1), { ok: false, code: 'store_error' });
});
