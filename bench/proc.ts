// Small process helpers the benches share (bench/queued.ts, bench/request-cost.ts, bench/page*.ts,
// and readyLine for every bench that starts a gateway).
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

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

/**
 * What `pick` makes of the first whole line of the child's output it returns something for (its
 * "ready" line). `pick` runs on each line as soon as it is read, so a time it takes is when the line
 * was seen. Rejects, with the last lines of output (stdout or the file, and a piped stderr), if the
 * child ends or `timeoutMs` passes first; the child is left running then, for the caller to end.
 * Pipes read here go on flowing afterwards (their output is dropped), so the child never blocks.
 */
export function readyLine<T>(
  child: ChildProcess,
  pick: (line: string) => T | undefined,
  opts: ReadyLineOptions = {},
): Promise<T> {
  const { name = 'gateway', file, timeoutMs = 60_000 } = opts;
  return new Promise<T>((resolve, reject) => {
    const tail: string[] = [];
    const keep = (line: string) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
    };
    let settled = false;
    const cleanups: (() => void)[] = [];
    const settle = (then: () => void) => {
      if (settled) return;
      settled = true;
      for (const cleanup of cleanups) cleanup();
      then();
    };
    const fail = (why: string) =>
      settle(() => {
        const output = tail.length ? `its last output:\n${tail.join('\n')}` : 'no output';
        reject(new Error(`${name} ${why}; ${output}`));
      });

    /** Splits a source's chunks into whole lines; `end` keeps what is left of its last line. */
    const lines = (onLine: (line: string) => void) => {
      const decoder = new StringDecoder('utf8');
      let rest = '';
      return {
        write(chunk: Buffer) {
          rest += decoder.write(chunk);
          for (let nl = rest.indexOf('\n'); nl >= 0 && !settled; nl = rest.indexOf('\n')) {
            const line = rest.slice(0, nl);
            rest = rest.slice(nl + 1);
            onLine(line);
          }
        },
        end() {
          rest += decoder.end();
          if (rest) keep(rest);
          rest = '';
        },
      };
    };
    let ended = false;
    const out = lines((line) => {
      keep(line);
      if (ended) return; // read after the child's end: for the tail only
      const picked = pick(line);
      if (picked !== undefined) settle(() => resolve(picked));
    });
    const sources = [out];
    const listen = (stream: Readable, source: ReturnType<typeof lines>) => {
      const onData = (chunk: Buffer) => source.write(chunk);
      stream.on('data', onData);
      cleanups.push(() => stream.off('data', onData));
    };

    let readFile = () => {};
    if (file !== undefined) {
      let offset = 0;
      readFile = () => {
        const data = readFileSync(file);
        if (data.length > offset) out.write(data.subarray(offset));
        offset = data.length;
      };
      const poll = setInterval(readFile, 20);
      cleanups.push(() => clearInterval(poll));
    } else if (child.stdout) listen(child.stdout, out);
    else throw new Error(`readyLine: ${name} has neither a stdout pipe nor a file to read`);
    if (child.stderr) {
      const err = lines(keep);
      sources.push(err);
      listen(child.stderr, err);
    }

    // 'close' comes once the pipes are read to their end, so the tail holds the child's last words.
    const onClose = (code: number | null, signal: NodeJS.Signals | null) => {
      ended = true;
      if (file !== undefined) readFile();
      for (const source of sources) source.end();
      fail(`${signal ? `was killed by ${signal}` : `exited with code ${code}`} before its ready line`);
    };
    const onError = (err: Error) => fail(`failed before its ready line (${err.message})`);
    child.once('close', onClose);
    child.once('error', onError);
    const timer = setTimeout(() => fail(`gave no ready line in ${timeoutMs / 1000} s`), timeoutMs);
    cleanups.push(() => {
      child.off('close', onClose);
      child.off('error', onError);
      clearTimeout(timer);
    });
  });
}
