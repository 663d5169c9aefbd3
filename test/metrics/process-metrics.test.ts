// The gateway's process metrics (src/metrics/prom.ts) are prom-client's default metrics, loaded
// file by file so @opentelemetry/api is never loaded: the same families (name, type, help) as
// prom-client's own collectDefaultMetrics, and the CPU counters counting this process's CPU.
import { createRequire } from 'node:module';
import test from 'ava';
import parse from 'parse-prometheus-text-format';
import { collectProcessMetrics, Registry } from '../../src/metrics/prom.ts';

const families = async (r: Registry) =>
  new Map(parse(await r.metrics()).map((f) => [f.name, { type: f.type, help: f.help, f }]));

test('process metrics: prom-client’s default families, CPU seconds that move, no @opentelemetry/api', async (t) => {
  const ours = new Registry();
  collectProcessMetrics(ours, 100);
  const loaded = Object.keys(createRequire(import.meta.url).cache);
  t.true(loaded.some((f) => f.includes('/node_modules/prom-client/lib/registry.js')));
  t.deepEqual(
    loaded.filter((f) => f.includes('/node_modules/@opentelemetry/') || f.endsWith('prom-client/index.js')),
    [],
  );

  // prom-client's own, for comparison (this loads the index and @opentelemetry/api, here only).
  const prom = await import('prom-client');
  const reference = new prom.Registry();
  prom.collectDefaultMetrics({ register: reference, eventLoopMonitoringPrecision: 100 });

  const a = await families(ours);
  const b = await families(reference);
  t.true(b.has('process_cpu_seconds_total') && b.has('nodejs_eventloop_lag_p99_seconds'));
  t.deepEqual(
    [...a].map(([name, { type, help }]) => [name, type, help]).sort(),
    [...b].map(([name, { type, help }]) => [name, type, help]).sort(),
  );

  const cpu = async () => {
    const m = await families(ours);
    const v = (n: string) => Number(m.get(n)!.f.metrics[0]!.value);
    return {
      user: v('process_cpu_user_seconds_total'),
      system: v('process_cpu_system_seconds_total'),
      total: v('process_cpu_seconds_total'),
    };
  };
  const before = await cpu();
  const start = process.cpuUsage();
  const spent = () => {
    const d = process.cpuUsage(start);
    return (d.user + d.system) / 1e6;
  };
  while (spent() < 0.05); // 50 ms of this process's CPU, however loaded the machine
  const after = await cpu();
  t.true(after.user + after.system - (before.user + before.system) >= 0.05);
  t.true(Math.abs(after.total - (after.user + after.system)) < 1e-6);
});
