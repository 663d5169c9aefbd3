// A notify socket the test owns, playing systemd's side of sd_notify(3): a real unix datagram
// socket bound by socat (Node has none in core). `socat -x` dumps each datagram as a header with its
// length and the bytes in hex, so message boundaries survive the pipe exactly.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { killAtExit, testTempDir } from '../../helpers/cleanup.ts';

export interface NotifyMessage {
  /** The datagram as sent, e.g. "READY=1\nSTATUS=…". */
  text: string;
  /** When the test received it (performance.now()). */
  at: number;
}

export interface NotifySocket {
  readonly path: string;
  readonly messages: NotifyMessage[];
  /** The first message from index `from` on that satisfies `pred`, waiting for it if needed. */
  until(pred: (m: NotifyMessage) => boolean, from?: number, timeoutMs?: number): Promise<NotifyMessage>;
}

export async function notifySocket(t: ExecutionContext): Promise<NotifySocket> {
  const dir = testTempDir(t, 'edge-notify-');
  const path = join(dir, 'notify.sock');
  const socat = killAtExit(
    spawn('socat', ['-u', '-x', `UNIX-RECV:${path}`, '/dev/null'], { stdio: ['ignore', 'ignore', 'pipe'] }),
  );
  t.teardown(() => {
    socat.kill('SIGKILL');
  });
  const messages: NotifyMessage[] = [];
  const waiters = new Set<() => void>();
  let buf = '';
  let want = -1;
  let bytes: number[] = [];
  socat.stderr.on('data', (d: Buffer) => {
    buf += d.toString('latin1');
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const header = /^> .* length=(\d+) from=\d+ to=\d+$/.exec(line);
      if (header) {
        want = Number(header[1]);
        bytes = [];
      } else if (want >= 0) {
        for (const hex of line.trim().split(/\s+/)) if (hex) bytes.push(Number.parseInt(hex, 16));
      }
      if (want >= 0 && bytes.length >= want) {
        messages.push({ text: Buffer.from(bytes.slice(0, want)).toString('utf8'), at: performance.now() });
        want = -1;
        for (const w of [...waiters]) w();
      }
    }
  });
  const deadline = Date.now() + 10_000;
  while (!existsSync(path)) {
    if (Date.now() > deadline || socat.exitCode !== null)
      throw new Error('socat did not bind the notify socket');
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    path,
    messages,
    until(pred, from = 0, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const look = () => {
          const hit = messages.slice(from).find(pred);
          if (!hit) return false;
          waiters.delete(look);
          clearTimeout(timer);
          resolve(hit);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(look);
          reject(new Error(`no such notify message; got ${JSON.stringify(messages.map((m) => m.text))}`));
        }, timeoutMs);
        if (!look()) waiters.add(look);
      });
    },
  };
}
