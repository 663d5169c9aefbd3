// A real Mosquitto as the central ops broker (Debian package `mosquitto`), started by the test on a
// free loopback port with a password file and an ACL per box. Stoppable and restartable on the same
// port, to take the uplink away under a running gateway and give it back. Its dir (config, password
// file, ACL) exists while it runs: `stop()` removes it and `start()` writes it again, and the test
// process's end takes both (test/helpers/cleanup.ts).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { uplinkAclTopics, uplinkBase } from '../../src/mqtt/topics.ts';
import { keepTempDir, killAtExit, removeTempDir, tempDir } from './cleanup.ts';

export const MOSQUITTO = '/usr/sbin/mosquitto';

export interface BoxLogin {
  username: string;
  password: string;
  branch: string;
  till: string;
}

export interface MosquittoOptions {
  /** Box logins: each may publish only its own uplink topics (ACL from the topic registry). */
  boxes?: BoxLogin[];
  /** Logins that may read everything below the prefix and $SYS (fleet views). */
  readers?: { username: string; password: string }[];
  prefix?: string;
  /** TLS listener instead of plain TCP. */
  tls?: { certFile: string; keyFile: string; caFile: string };
  /** Extra mosquitto.conf lines. */
  conf?: string[];
  /** Raise the broker's open-file limit (many connections). */
  nofile?: number;
  /** No logins and no ACL (the fleet benchmark: broker capacity, not auth). */
  anonymous?: boolean;
}

export interface Mosquitto {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** Replaces the password file and tells the broker to reload it (SIGHUP); kept for a restart. */
  setPasswords(logins: { username: string; password: string }[]): void;
  stop(): Promise<void>;
  /** Starts again on the same port (retained messages are gone: no persistence, as after a crash). */
  start(): Promise<void>;
  stderr(): string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

/** ACL lines for a box: write access to its own uplink topics, nothing else. */
export function boxAcl(prefix: string, box: BoxLogin): string {
  const topics = uplinkAclTopics(uplinkBase(prefix, box.branch, box.till));
  return [`user ${box.username}`, ...topics.map((t) => `topic write ${t}`)].join('\n');
}

export async function startMosquitto(opts: MosquittoOptions = {}): Promise<Mosquitto> {
  const dir = tempDir('edge-mosquitto-');
  const prefix = opts.prefix ?? 'edge';
  const port = await freePort();
  const passwd = join(dir, 'passwd');
  const acl = join(dir, 'acl');
  const conf = join(dir, 'mosquitto.conf');
  let child: ChildProcess | undefined;
  let err = '';

  let logins = [...(opts.boxes ?? []), ...(opts.readers ?? [])];
  const writePasswords = () => {
    writeFileSync(passwd, '', { mode: 0o600 });
    for (const l of logins) execFileSync('mosquitto_passwd', ['-b', passwd, l.username, l.password]);
  };
  // Written at each start: a stop removes the dir.
  const writeFiles = () => {
    keepTempDir(dir);
    writePasswords();
    writeFileSync(
      acl,
      [
        ...(opts.boxes ?? []).map((b) => boxAcl(prefix, b)),
        ...(opts.readers ?? []).map((r) => `user ${r.username}\ntopic read ${prefix}/#\ntopic read $SYS/#`),
      ].join('\n\n') + '\n',
    );
    writeFileSync(
      conf,
      [
        // Run as the test's user: dropping to `mosquitto` could not read the 0700 temp directory.
        'user root',
        `listener ${port} 127.0.0.1`,
        ...(opts.tls
          ? [`cafile ${opts.tls.caFile}`, `certfile ${opts.tls.certFile}`, `keyfile ${opts.tls.keyFile}`]
          : []),
        ...(opts.anonymous
          ? ['allow_anonymous true']
          : ['allow_anonymous false', `password_file ${passwd}`, `acl_file ${acl}`]),
        'persistence false',
        'log_dest stderr',
        'log_type error',
        'log_type warning',
        ...(opts.conf ?? []),
      ].join('\n') + '\n',
    );
  };

  const start = async () => {
    writeFiles();
    // As high as asked, else as high as the hard limit allows.
    const cmd = opts.nofile
      ? `ulimit -n ${opts.nofile} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec ${MOSQUITTO} -c ${conf}`
      : undefined;
    child = killAtExit(
      cmd
        ? spawn('/bin/sh', ['-c', cmd], { stdio: ['ignore', 'ignore', 'pipe'] })
        : spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] }),
    );
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const c = child;
    const exited = new Promise<never>((_r, reject) =>
      c.once('exit', (code) => reject(new Error(`mosquitto exited ${code}: ${err}`))),
    );
    exited.catch(() => {});
    await Promise.race([waitForPort(port, 10_000), exited]);
  };
  await start();

  return {
    port,
    url: `${opts.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`,
    dir,
    setPasswords(next) {
      logins = [...next];
      // A stopped broker has no dir: its next start writes them.
      if (!child) return;
      writePasswords();
      child.kill('SIGHUP');
    },
    async stop() {
      const c = child;
      child = undefined;
      if (c && c.exitCode === null) {
        const gone = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        await gone;
      }
      removeTempDir(dir);
    },
    start,
    stderr: () => err,
  };
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ port, host: '127.0.0.1' }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
