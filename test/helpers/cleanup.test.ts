// The test helpers leave nothing behind (test/helpers/cleanup.ts): a pty pair's dir goes on its
// close, a Mosquitto's on its stop, and a test process that ends without stopping them (a normal
// exit, or SIGINT / SIGTERM / SIGHUP: Ctrl-C, a cancelled CI job, ava ending a worker) takes their
// dirs and their socat, mosquitto and edge-gateway processes along. The child processes run with a TMPDIR of
// their own, so the count of what they leave there is exact whatever else runs on the machine.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { tempDir } from './cleanup.ts';
import { startMosquitto } from './mosquitto.ts';
import { startPtyPair } from './pty.ts';

const CHILD = fileURLToPath(new URL('./cleanup-child.ts', import.meta.url));
/** Starting socat and mosquitto, and ending a process, on a loaded 2-core machine. */
const DEADLINE_MS = 30_000;

/** Processes whose command line names a path inside `dir` (socat's links, mosquitto's config). */
function processesIn(dir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue; // ended, not yet reaped
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(`${dir}/`)) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function until(what: string, done: () => boolean): Promise<void> {
  for (const start = Date.now(); !done(); ) {
    if (Date.now() - start > DEADLINE_MS) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('test code makes its temp dirs through test/helpers/cleanup.ts only, so an interrupted run leaves none', (t) => {
  // A dir made with mkdtemp directly goes in the test's teardown only: a run ended by a timeout, a
  // signal or a failed worker leaves it in /tmp. The helper's `tempDir`/`testTempDir` also remove it
  // when the process ends.
  const root = fileURLToPath(new URL('../', import.meta.url));
  const direct = readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && f !== join('helpers', 'cleanup.ts'))
    .filter((f) => /\bmkdtemp(Sync)?\(/.test(readFileSync(join(root, f), 'utf8')))
    .sort();
  t.deepEqual(direct, []);
});

test('a pty pair keeps its dir over an unplug and replug and removes it on close; a Mosquitto writes its dir at each start and removes it on stop', async (t) => {
  const pty = await startPtyPair();
  const ptyDir = dirname(pty.device);
  await pty.stop();
  t.true(existsSync(ptyDir), 'an unplug keeps the folder (the gateway watches it for the replug)');
  await pty.restart();
  t.true(existsSync(pty.device));
  await pty.close();
  t.false(existsSync(ptyDir), 'closed: the pair dir is gone');
  t.deepEqual(processesIn(ptyDir), [], 'and its socat');

  const given = tempDir('edge-given-');
  const inGiven = await startPtyPair(given, 'a');
  await inGiven.close();
  t.true(existsSync(given), 'a dir the pair was given stays with whoever made it');

  const mosquitto = await startMosquitto({ readers: [{ username: 'r', password: 'p' }] });
  t.true(existsSync(join(mosquitto.dir, 'mosquitto.conf')));
  await mosquitto.stop();
  t.false(existsSync(mosquitto.dir), 'stopped: its dir is gone');
  mosquitto.setPasswords([{ username: 'r2', password: 'p2' }]);
  await mosquitto.start();
  t.true(existsSync(join(mosquitto.dir, 'mosquitto.conf')), 'started again: written again');
  t.regex(readFileSync(join(mosquitto.dir, 'passwd'), 'utf8'), /^r2:/m, 'with the logins set meanwhile');
  await mosquitto.stop();
  t.false(existsSync(mosquitto.dir));
  t.deepEqual(processesIn(mosquitto.dir), []);
});

for (const end of ['exit', 'SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  test(`a test process that ends (${end === 'exit' ? 'a normal exit' : end}) without stopping its helpers leaves no dir and no process of theirs`, async (t) => {
    t.timeout(2 * DEADLINE_MS);
    const tmp = tempDir('edge-cleanup-tmp-');
    const child = spawn(process.execPath, ['--import=tsx', CHILD, end], {
      env: { ...process.env, TMPDIR: tmp },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const ended = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.once('exit', (code, signal) => resolve([code, signal])),
    );
    const dirs = await new Promise<string[]>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(JSON.parse(out.slice(0, out.indexOf('\n'))) as string[]);
      });
      ended.then(([code, signal]) => reject(new Error(`child ended early: ${code ?? signal}`)));
    });
    t.is(dirs.length, 3);
    const leftovers = () => readdirSync(tmp).filter((n) => n.startsWith('edge-'));
    t.deepEqual(leftovers().sort(), dirs.map((d) => d.slice(tmp.length + 1)).sort(), 'made in its TMPDIR');
    const running = dirs.flatMap(processesIn);
    t.is(running.length, 3, 'its socat, its mosquitto and its edge-gateway run');

    if (end === 'exit') child.stdin.write('end\n');
    else child.kill(end);
    const [code, signal] = await ended;
    // The signal still ends the process as it would have: nothing swallowed.
    t.deepEqual([code, signal], end === 'exit' ? [0, null] : [null, end]);
    t.deepEqual(leftovers(), [], 'no dir of the helpers left');
    await until(
      'its socat, mosquitto and edge-gateway are gone',
      () => dirs.flatMap(processesIn).length === 0,
    );
  });
}
