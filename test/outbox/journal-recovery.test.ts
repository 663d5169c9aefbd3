// What the outbox says at open about a WAL left by a process that never closed it (issue 12,
// power-cut realism): the owner (the gateway) names it with what SQLite kept and what it dropped; a
// clean close leaves nothing to say, and a tool opening the file beside a running gateway says nothing.
import { copyFileSync, mkdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { openOutboxStore } from '../../src/outbox/store.ts';
import { collectingLogger } from '../helpers/gateway.ts';
import { tempDir } from './helpers.ts';

const UNCLEAN =
  'outbox was not closed cleanly (the box lost power or was killed); resuming from its last commit';
const job = (n: number) => ({ key: `k${n}`, kind: 'turnover', orderKey: `lane-${n}`, payload: `{"n":${n}}` });

/** The files a killed process leaves: its database and WAL as they are while it still runs. */
function leftByKill(t: Parameters<typeof tempDir>[0], jobs: number): { path: string; walBytes: number } {
  const live = join(tempDir(t), 'outbox.sqlite');
  const store = openOutboxStore({ path: live });
  t.teardown(() => store.close());
  for (let n = 1; n <= jobs; n++) store.enqueue(job(n));
  const dir = join(tempDir(t), 'copy');
  mkdirSync(dir);
  const path = join(dir, 'outbox.sqlite');
  copyFileSync(live, path);
  copyFileSync(`${live}-wal`, `${path}-wal`);
  return { path, walBytes: statSync(`${path}-wal`).size };
}

const said = (lines: string[]) =>
  lines.map((l) => JSON.parse(l)).filter((l) => l.level === 'warn' || l.level === 'error');

test('a WAL left by a killed process is named at open; everything committed is there', (t) => {
  const { path } = leftByKill(t, 3);
  const { logger, lines } = collectingLogger();
  const store = openOutboxStore({ path, logger });
  t.teardown(() => store.close());
  t.deepEqual(
    said(lines).map((l) => [l.msg, l.committed_frames > 0, l.unfinished_bytes_discarded]),
    [[UNCLEAN, true, 0]],
  );
  t.deepEqual(
    [1, 2, 3].map((n) => store.get(`k${n}`)?.payload),
    ['{"n":1}', '{"n":2}', '{"n":3}'],
  );
});

test('a WAL whose last write was cut short: the unfinished bytes are counted, the earlier commits kept', (t) => {
  const { path, walBytes } = leftByKill(t, 3);
  truncateSync(`${path}-wal`, walBytes - 100);
  const { logger, lines } = collectingLogger();
  const store = openOutboxStore({ path, logger });
  t.teardown(() => store.close());
  const [line] = said(lines);
  t.is(line?.msg, UNCLEAN);
  // The cut frame and the other frames of its transaction, never more than what followed the cut.
  t.true(line.unfinished_bytes_discarded > 0 && line.unfinished_bytes_discarded < walBytes - 32);
  t.deepEqual(
    [1, 2, 3].map((n) => store.get(`k${n}`) !== undefined),
    [true, true, false],
  );
});

test('after a clean close, and for a tool beside a running gateway, there is nothing to say', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'outbox.sqlite');
  const first = openOutboxStore({ path });
  first.enqueue(job(1));
  first.close();
  const { logger, lines } = collectingLogger();
  const again = openOutboxStore({ path, logger });
  t.teardown(() => again.close());
  t.deepEqual(said(lines), []);
  // The gateway (`again`) holds the file open, so its WAL is there; a tool must not call that a crash.
  again.enqueue(job(2));
  const tool = openOutboxStore({ path, logger, recoverInflight: false });
  tool.close();
  t.deepEqual(said(lines), []);
});
