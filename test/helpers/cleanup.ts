// What the test helpers leave on the machine: temporary dirs (data dirs, pty pairs, Mosquitto
// configs) and the processes they start (socat, mosquitto). Each helper removes its own when it is
// done with it; whatever is left goes when the test process ends: a normal exit, and also SIGINT,
// SIGTERM or SIGHUP (Ctrl-C, a CI job cancelled, ava ending a worker that failed to exit), which
// fire no 'exit' event. A suite run used to leave hundreds of dirs in /tmp, and `edge-pty-*` and
// `edge-mosquitto-*` piled up by the thousand over sessions (test/helpers/cleanup.test.ts).
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dirs = new Set<string>();
const children = new Set<ChildProcess>();
let hooked = false;

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function removeAll(): void {
  // The processes first: a socat or mosquitto still running holds its links and files there.
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  children.clear();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
}

// Only where the signal would end the process anyway: with another listener (a gateway's SIGHUP
// reload in this process, ava's own SIGINT handler) that listener decides, and nothing is removed.
function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  removeAll();
  for (const s of SIGNALS) process.off(s, onSignal);
  // The default action now, as if nobody had listened.
  process.kill(process.pid, signal);
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', removeAll);
  for (const s of SIGNALS) process.on(s, onSignal);
}

/** Registers an existing dir (made again by a helper that restarts) for removal at exit. */
export function keepTempDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  dirs.add(dir);
  hook();
  return dir;
}

/** A fresh dir below the OS temp dir (TMPDIR), removed at the latest when the process ends. */
export function tempDir(prefix = 'edge-test-'): string {
  return keepTempDir(mkdtempSync(join(tmpdir(), prefix)));
}

/** A `tempDir` removed when the test that asked for it ends (its teardown), or with the process. */
export function testTempDir(t: { teardown(fn: () => void): void }, prefix?: string): string {
  const dir = tempDir(prefix);
  t.teardown(() => removeTempDir(dir));
  return dir;
}

/** Removes a dir made by `tempDir` now (its helper is done with it). */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  dirs.delete(dir);
}

/** A helper's process (socat, mosquitto), ended with the test process if its helper did not end it. */
export function killAtExit<C extends ChildProcess>(child: C): C {
  children.add(child);
  child.once('exit', () => children.delete(child));
  hook();
  return child;
}
