// Small process helpers the request benches share (bench/queued.ts, bench/request-cost.ts).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

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
