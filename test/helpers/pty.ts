// Real ttys from socat (docs/stack-notes.md): the gateway opens one end like a USB CDC scanner, the
// test writes the scanner's bytes into the other.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './gateway.ts';

export interface PtyPair {
  /** The end the gateway opens. */
  device: string;
  /** The end the test writes scanner bytes into. */
  scanner: string;
  write(bytes: string | Buffer): void;
  /** Ends socat: both ttys disappear, as when the scanner is unplugged. */
  stop(): Promise<void>;
  /** Starts socat again on the same paths (replug). */
  restart(): Promise<void>;
}

/** `name` names the pair's two links (`<name>-tty`, `<name>-feed`), so one dir can hold several. */
export async function startPtyPair(dir = tempDir('edge-pty-'), name = 'scanner'): Promise<PtyPair> {
  const device = join(dir, `${name}-tty`);
  const scanner = join(dir, `${name}-feed`);
  let child: ChildProcess | undefined;
  let fd: number | undefined;

  async function start() {
    child = spawn('socat', [`pty,raw,echo=0,link=${device}`, `pty,raw,echo=0,link=${scanner}`], {
      stdio: 'ignore',
    });
    // socat is a process of its own: on a loaded machine its start takes what it takes.
    for (
      const start = Date.now();
      !(existsSync(device) && existsSync(scanner)) && Date.now() - start < 10_000;
    ) {
      await new Promise((r) => setTimeout(r, 10));
    }
    if (!existsSync(device)) throw new Error('socat did not create the ptys');
    fd = openSync(scanner, 'w');
  }
  async function stop() {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
    const c = child;
    child = undefined;
    if (c && c.exitCode === null) {
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await exited;
    }
  }
  await start();
  return {
    device,
    scanner,
    write(bytes) {
      if (fd === undefined) throw new Error('pty pair is stopped');
      writeSync(fd, typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
    },
    stop,
    restart: start,
  };
}
