// Small process helpers the benches share (bench/queued.ts, bench/request-cost.ts, bench/page*.ts,
// and readyLine for every bench that starts a gateway).
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** A loopback port nothing listens on: the provider that is down. */
export function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => resolve(typeof address === 'object' && address ? address.port : 9));
    });
  });
}

/** CPU time (ms) of a process's main thread so far: the event loop, where the request path runs. */
export function mainThreadCpuMs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
}

/**
 * Each live thread of `pids`: its process id, thread id, name and its /proc stat fields after the
 * name (`fields[0]` is field 3, state); threads or processes that ended meanwhile are skipped.
 */
export function* threadStats(
  pids: number[],
): Generator<{ pid: number; tid: number; name: string; fields: string[] }> {
  for (const pid of pids) {
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {}
    for (const tid of tids) {
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      } catch {
        continue;
      }
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      yield { pid, tid: Number(tid), name, fields: stat.slice(stat.lastIndexOf(')') + 2).split(' ') };
    }
  }
}

/**
 * The environment of a production gateway for the request benches: data under `dir`, ports the
 * kernel picks, and a provider that is down (connections refused), so every turnover is `queued`.
 */
export async function downProviderGatewayEnv(dir: string): Promise<NodeJS.ProcessEnv> {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    EDGE_DATA_DIR: join(dir, 'gateway'),
    EDGE_MQTT_PORT: '0',
    EDGE_HTTP_PORT: '0',
    EDGE_PROVIDER_URL: `http://127.0.0.1:${await closedPort()}`,
    EDGE_PROVIDER_API_KEY: 'bench-key',
    EDGE_LOG_LEVEL: 'info',
  };
}

/** The gateway's "ready" log line: the ports it listens on. */
export interface GatewayReady {
  mqtt_port: number;
  http_port: number;
}

/** A `pick` for readyLine: the gateway's "ready" log line, parsed. */
export function gatewayReady(line: string): GatewayReady | undefined {
  return line.includes('"msg":"ready"') ? (JSON.parse(line) as GatewayReady) : undefined;
}

export interface ReadyLineOptions {
  /** The process as the error names it; 'gateway' unless told. */
  name?: string;
  /**
   * The file the child's stdout was sent to (as logs go to journald on the box), read every 20 ms,
   * instead of its stdout pipe.
   */
  file?: string;
  /** How long the line may take (ms): generous, as a loaded machine starts slowly. */
  timeoutMs?: number;
}

const TAIL_LINES = 40;

/** Feeds whole lines of a stream of text to `onLine`; the part after the last newline waits. */
function lineSplitter(onLine: (line: string) => void) {
  let rest = '';
  return {
    write(text: string) {
      const lines = (rest + text).split('\n');
      rest = lines.pop()!;
      for (const line of lines) onLine(line);
    },
    rest: () => rest,
  };
}

/**
 * What `pick` makes of the first whole line of the child's output it returns something for (its
 * "ready" line). `pick` runs on each line as soon as it is read, so a time it takes is when the line
 * was seen. Rejects, with the last lines of output (stdout or the file, and a piped stderr), if the
 * child ends or `timeoutMs` passes first; the child is left running then, for the caller to end.
 * Pipes go on flowing afterwards (their output is dropped), so the child never blocks on them.
 */
export function readyLine<T>(
  child: ChildProcess,
  pick: (line: string) => T | undefined,
  opts: ReadyLineOptions = {},
): Promise<T> {
  const { name = 'gateway', file, timeoutMs = 60_000 } = opts;
  if (file === undefined && !child.stdout)
    throw new Error(`readyLine: ${name} has neither a stdout pipe nor a file to read`);
  const tail: string[] = [];
  const keep = (line: string) => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
  };
  let found: T | undefined;
  const out = lineSplitter((line) => {
    keep(line);
    found ??= pick(line);
  });
  const err = lineSplitter(keep);
  let offset = 0;
  /** The file's new bytes up to its last newline (a line half written waits, bytes and all). */
  const readFile = () => {
    const data = readFileSync(file!);
    const end = data.lastIndexOf(10) + 1;
    if (end > offset) out.write(data.subarray(offset, end).toString('utf8'));
    offset = Math.max(offset, end);
  };
  return new Promise<T>((resolve, reject) => {
    const onOut = (text: string) => {
      out.write(text);
      if (found !== undefined) finish();
    };
    const onErr = (text: string) => err.write(text);
    const poll =
      file === undefined
        ? undefined
        : setInterval(() => {
            readFile();
            if (found !== undefined) finish();
          }, 20);
    if (file === undefined) child.stdout!.setEncoding('utf8').on('data', onOut);
    child.stderr?.setEncoding('utf8').on('data', onErr);
    // 'close' comes once the pipes are read to their end, so the tail holds the child's last words.
    const onClose = (code: number | null, signal: NodeJS.Signals | null) => {
      if (file !== undefined) readFile();
      for (const rest of [out.rest(), err.rest()]) if (rest) keep(rest);
      finish(`${signal ? `was killed by ${signal}` : `exited with code ${code}`} before its ready line`);
    };
    const onError = (e: Error) => finish(`failed before its ready line (${e.message})`);
    const timer = setTimeout(() => finish(`gave no ready line in ${timeoutMs / 1000} s`), timeoutMs);
    child.once('close', onClose).once('error', onError);
    function finish(why?: string) {
      clearInterval(poll);
      clearTimeout(timer);
      child.off('close', onClose).off('error', onError);
      child.stdout?.off('data', onOut);
      child.stderr?.off('data', onErr);
      if (why === undefined) resolve(found as T);
      else
        reject(
          new Error(`${name} ${why}; ${tail.length ? `its last output:\n${tail.join('\n')}` : 'no output'}`),
        );
    }
  });
}
