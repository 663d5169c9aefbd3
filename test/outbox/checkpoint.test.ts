// When the outbox checkpoints its WAL (src/outbox/checkpoint.ts): never inside a burst of commits a
// till is waiting for, but once the store is idle; durability and the WAL's reuse stay as they were.
import { statSync } from 'node:fs';
import test from 'ava';
import Database from 'better-sqlite3';
import { BACKSTOP_PAGES } from '../../src/outbox/checkpoint.ts';
import { mustEnqueue, openTemp, turnover } from './helpers.ts';

/** A WAL frame: a 24-byte header and one 4 KiB page. */
const FRAME = 24 + 4096;
const size = (file: string) => statSync(file).size;

async function until(what: string, ok: () => boolean, deadlineMs = 20_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('a burst of enqueues never checkpoints inside a commit; the idle store copies its WAL into the file', async (t) => {
  const { store, path } = openTemp(t);
  const fileBefore = size(path);
  // One synchronous burst: no turn of the event loop, so no idle moment, in between.
  for (let i = 0; i < 300; i++) mustEnqueue(store, turnover(`txn-${i}`, `cust-${i % 50}`));
  // Past SQLite's default of 1000 pages, where it would have checkpointed inside one of these
  // commits; below the backstop.
  const walFrames = Math.floor(size(`${path}-wal`) / FRAME);
  t.true(walFrames > 1000 && walFrames < BACKSTOP_PAGES, `${walFrames} frames in the WAL`);
  t.is(size(path), fileBefore, 'no commit wrote into the database file');

  await until('the idle checkpoint', () => size(path) > fileBefore + 10 * 4096);
  // Everything committed is there for another connection, from the file and the WAL alike.
  const other = new Database(path, { readonly: true });
  t.teardown(() => other.close());
  t.is((other.prepare('SELECT COUNT(*) AS n FROM jobs').get() as { n: number }).n, 300);

  // Fully copied, the WAL is written again from its start: the next commit does not grow it.
  const walBefore = size(`${path}-wal`);
  mustEnqueue(store, turnover('txn-after', 'cust-1'));
  t.is(size(`${path}-wal`), walBefore);
  t.is(store.get('txn-after')?.state, 'pending');
});
