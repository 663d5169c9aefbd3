// DESIGN §5 "survives kill -9 ... at any instant": a job the till heard `queued` for is on disk.
// A real child process enqueues and is killed with SIGKILL mid-stream; every key it reported after
// enqueue returned must be present, with its exact payload, when the database is reopened.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import Database from 'better-sqlite3';
import { openOutboxStore } from '../../src/outbox/store.ts';
import { tempDir } from './helpers.ts';

const child = fileURLToPath(new URL('./fixtures/enqueue-until-killed.ts', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));

test('every job reported queued before SIGKILL is present after reopen', async (t) => {
  t.timeout(30_000);
  const path = join(tempDir(t), 'outbox.sqlite');
  const proc = spawn(process.execPath, ['--import=tsx', child, path], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
  });

  // When the child has reported 200 enqueues, kill it without warning at whatever it is doing.
  const reported: string[] = [];
  let buffered = '';
  const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_c, sig) => resolve(sig)));
  proc.stdout.on('data', (b: Buffer) => {
    buffered += b.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('queued ')) reported.push(line.slice(7));
    if (reported.length >= 200 && proc.exitCode === null && !proc.killed) proc.kill('SIGKILL');
  });
  const signal = await exited;
  t.is(signal, 'SIGKILL', stderr);

  const raw = new Database(path);
  t.is(raw.pragma('integrity_check', { simple: true }), 'ok');
  raw.close();
  const store = openOutboxStore({ path });
  t.teardown(() => store.close());
  t.true(reported.length >= 200);
  const missing = reported.filter(
    (key) => store.get(key)?.payload.includes(`"transaction_id":"${key}"`) !== true,
  );
  t.deepEqual(missing, []);
  t.true(store.depth() >= reported.length);
});
