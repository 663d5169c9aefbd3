// Real ttys from socat (docs/stack-notes.md): the gateway opens one end like a USB CDC scanner, the
// test writes the scanner's bytes into the other. A pair in a dir of its own (the default) removes
// it on `close()`, or when the test process ends (test/helpers/cleanup.ts); `stop()` keeps it, as
// an unplug keeps /dev: the gateway's hotplug watch on that folder must see the replug.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, constants, existsSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { killAtExit, removeTempDir, tempDir } from './cleanup.ts';

export interface PtyPair {
  /** The end the gateway opens. */
  device: string;
  /** The end the test writes scanner bytes into. */
  scanner: string;
  /**
   * A string is one byte a character (Latin-1, as a serial scanner sends bytes, e.g. `\xfc`); a
   * character above U+00FF has no such byte and throws (Latin-1 encoding would silently send its
   * low byte: `€` as 0xAC). Pass a Buffer for UTF-8 or any other bytes.
   */
  write(bytes: string | Buffer): void;
  /** Ends socat: both ttys disappear, as when the scanner is unplugged. */
  stop(): Promise<void>;
  /** Starts socat again on the same paths (replug). */
  restart(): Promise<void>;
  /** The last stop: socat ended, and the pair's own dir removed (not a dir it was given). */
  close(): Promise<void>;
}

/** `name` names the pair's two links (`<name>-tty`, `<name>-feed`), so one dir can hold several. */
export async function startPtyPair(given?: string, name = 'scanner'): Promise<PtyPair> {
  const dir = given ?? tempDir('edge-pty-');
  const device = join(dir, `${name}-tty`);
  const scanner = join(dir, `${name}-feed`);
  let child: ChildProcess | undefined;
  let fd: number | undefined;

  async function start() {
    child = killAtExit(
      spawn('socat', [`pty,raw,echo=0,link=${device}`, `pty,raw,echo=0,link=${scanner}`], {
        stdio: 'ignore',
      }),
    );
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
      if (typeof bytes === 'string' && /[^\x00-\xff]/.test(bytes))
        throw new Error(`pty write: ${JSON.stringify(bytes)} has a character above U+00FF; pass a Buffer`);
      writeSync(fd, typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
    },
    stop,
    restart: start,
    async close() {
      await stop();
      if (given === undefined) removeTempDir(dir);
    },
  };
}

const FIONREAD = 0x541b;

/**
 * Bytes the scanner sent while nothing read the gateway's end (the gateway not running): written
 * now and waited for until they sit in that tty's input queue (ioctl FIONREAD), not still in socat.
 * A descriptor of the test's own holds the queue meanwhile (a last close may drop it); call the
 * returned release once the reader under test has the tty open.
 */
export async function queuedBeforeOpen(pty: PtyPair, bytes: string): Promise<() => void> {
  const { default: koffi } = await import('koffi');
  const ioctl = koffi.load('libc.so.6').func('int ioctl(int fd, unsigned long request, _Out_ int *count)');
  const fd = openSync(pty.device, constants.O_RDONLY | constants.O_NOCTTY | constants.O_NONBLOCK);
  pty.write(bytes);
  const queued = () => {
    const count = [0];
    if (ioctl(fd, FIONREAD, count) !== 0) throw new Error(`FIONREAD failed on ${pty.device}`);
    return count[0] as number;
  };
  for (const start = Date.now(); queued() < bytes.length; ) {
    if (Date.now() - start > 10_000) {
      closeSync(fd);
      throw new Error(`socat did not pass ${bytes.length} bytes on to ${pty.device}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return () => closeSync(fd);
}
