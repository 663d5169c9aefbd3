// The order check of the fsync proof (fsync-order.test.ts) on hand-written strace lines: it must
// refuse every way the order can break, or the proof would prove nothing.
import test from 'ava';
import { checkOrder, parseStrace } from './_strace.ts';

const WAL = '/d/outbox.sqlite-wal';
const TILL = 'TCP:[127.0.0.1:1883->127.0.0.1:40000]';
const input = {
  outboxFiles: ['/d/outbox.sqlite', WAL],
  tillSocket: TILL,
  transactions: new Map([['tx-1', { stored: 'B1:T1:tx-1', answered: '\\"transaction\\":\\"tx-1\\"' }]]),
};
const row = `9 10:00:00.000001 pwrite64(5<${WAL}>, "\\r\\0\\0B1:T1:tx-1{\\"op\\":1}"..., 4096, 32) = 4096`;
const sync = `9 10:00:00.000002 fdatasync(5<${WAL}>) = 0`;
const answer = `9 10:00:00.000003 writev(7<${TILL}>, [{iov_base="pos/T1/response/loyalty/turnover", iov_len=32}, {iov_base="{\\"transaction\\":\\"tx-1\\",\\"status\\":\\"ok\\"}", iov_len=40}], 2) = 72`;
const verdict = (...lines: string[]) => {
  const [c] = checkOrder(parseStrace(lines.join('\n')), input);
  return c!.ok ? 'ok' : c!.why;
};

test('row written, its file synced, then the answer written: in order', (t) => {
  t.is(verdict(row, sync, answer), 'ok');
});

test('an answer written before the fsync returned is a violation', (t) => {
  t.is(verdict(row, answer, sync), 'answered before the fsync returned');
  // The fsync began before the answer but returned after it (another thread wrote meanwhile).
  t.is(
    verdict(
      row,
      `9 10:00:00.000002 fdatasync(5<${WAL}> <unfinished ...>`,
      answer.replace(/^9/, '11'),
      '9 10:00:00.000004 <... fdatasync resumed>) = 0',
    ),
    'answered before the fsync returned',
  );
});

test('an answer before the row was written, or a row never synced, is a violation', (t) => {
  t.is(verdict(answer, row, sync), 'answered before the outbox write');
  t.is(verdict(row, answer), `the outbox write to ${WAL} was never synced`);
  t.is(
    verdict(sync, row, answer),
    `the outbox write to ${WAL} was never synced`,
    'an fsync before the write does not count',
  );
});

test('an fsync of another file, or an answer on another socket, does not count', (t) => {
  t.is(
    verdict(row, sync.replace(WAL, '/d/config.json'), answer),
    `the outbox write to ${WAL} was never synced`,
  );
  t.is(verdict(row, sync, answer.replace('40000', '40001')), 'no answer on the till socket');
  t.is(
    verdict(row.replace(WAL, '/d/other.sqlite-wal'), sync, answer),
    'no outbox write holds the transaction',
  );
});
