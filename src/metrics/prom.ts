// prom-client, loaded file by file. Its index loads everything it has: the Pushgateway client,
// the cluster aggregator, Summary (with tdigest) and, through the `process_cpu_*` default
// metric, @opentelemetry/api (51 modules, for exemplars we do not enable). The gateway uses the
// registry, Counter, Gauge, Histogram and the default metrics, so it loads those files (the
// package has no `exports` map) and counts `process_cpu_*` itself, as prom-client does without
// exemplars: same names, help, type and values.
import { createRequire } from 'node:module';
import type * as Prom from 'prom-client';

const require = createRequire(import.meta.url);

export const Registry = require('prom-client/lib/registry') as typeof Prom.Registry;
export type Registry = Prom.Registry;
export const Counter = require('prom-client/lib/counter') as typeof Prom.Counter;
export const Gauge = require('prom-client/lib/gauge') as typeof Prom.Gauge;
export const Histogram = require('prom-client/lib/histogram') as typeof Prom.Histogram;

type DefaultMetric = (
  registry: Registry,
  config: Prom.DefaultMetricsCollectorConfiguration<'text/plain; version=0.0.4; charset=utf-8'>,
) => void;

// prom-client's lib/defaultMetrics.js list but processCpuTotal, in its order.
const DEFAULT_METRICS = [
  'processStartTime',
  'osMemoryHeap',
  'processOpenFileDescriptors',
  'processMaxFileDescriptors',
  'eventLoopLag',
  ...(typeof process.getActiveResourcesInfo === 'function' ? ['processResources'] : []),
  'processHandles',
  'processRequests',
  'heapSizeAndUsed',
  'heapSpacesSizeAndUsed',
  'version',
  'gc',
];

/** prom-client's `collectDefaultMetrics` into `registry`, without @opentelemetry/api. */
export function collectProcessMetrics(registry: Registry, eventLoopMonitoringPrecision: number): void {
  processCpu(registry);
  for (const name of DEFAULT_METRICS) {
    (require(`prom-client/lib/metrics/${name}`) as DefaultMetric)(registry, {
      register: registry,
      eventLoopMonitoringPrecision,
    });
  }
}

/** prom-client's lib/metrics/processCpuTotal.js without exemplars: one collect sets all three. */
function processCpu(registry: Registry): void {
  let last = process.cpuUsage();
  const user = new Counter({
    name: 'process_cpu_user_seconds_total',
    help: 'Total user CPU time spent in seconds.',
    registers: [registry],
    collect() {
      const now = process.cpuUsage();
      const userS = (now.user - last.user) / 1e6;
      const systemS = (now.system - last.system) / 1e6;
      last = now;
      user.inc(userS);
      system.inc(systemS);
      total.inc(userS + systemS);
    },
  });
  const system = new Counter({
    name: 'process_cpu_system_seconds_total',
    help: 'Total system CPU time spent in seconds.',
    registers: [registry],
  });
  const total = new Counter({
    name: 'process_cpu_seconds_total',
    help: 'Total user and system CPU time spent in seconds.',
    registers: [registry],
  });
}
