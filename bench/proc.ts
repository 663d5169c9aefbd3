// Small process helpers the benches share (bench/queued.ts, bench/request-cost.ts, bench/page*.ts).
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
