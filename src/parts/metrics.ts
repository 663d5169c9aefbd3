// Prometheus metrics (DESIGN §8 `/metrics`): counted as scans, answers and provider calls happen,
// states read when Prometheus scrapes. Right after the scans part, so its scan listener is the
// first one: listeners run once the till's copy has gone out, which makes this the scan latency.
import { createGatewayMetrics } from '../metrics/metrics.ts';
import { VERSION } from '../version.ts';
import type { Part } from './part.ts';

export const metricsPart: Part = {
  name: 'metrics',
  uses: ['scans'],
  start(ctx) {
    const metrics = createGatewayMetrics({ version: VERSION });
    // A state whose part has not started (or failed to) is left out of a scrape, not an error.
    const read =
      <T>(f: () => T) =>
      () => {
        try {
          return f();
        } catch {
          return undefined as T;
        }
      };
    metrics.setSources({
      outbox: read(() => ctx.loyalty.health().outbox),
      cloudLink: read(() => ctx.loyalty.health().link.state),
      devices: read(() => ctx.devices.list()),
      uplink: read(() => ctx.uplink.status().state),
      offlineSessions: read(() => ctx.broker.sessions().offline.stats()),
      broker: read(() => ctx.broker.counts()),
    });
    const off = [
      ctx.scans.onScan((scan) => metrics.scan(scan.event.kind, (performance.now() - scan.startedAt) / 1000)),
      ctx.bus.on('answered', ({ op, response }) => metrics.request(op, response)),
      ctx.bus.on('provider', ({ call, seconds, code }) => metrics.providerCall(call, seconds, code)),
    ];
    ctx.provide('metrics', metrics);
    return {
      stop() {
        for (const f of off) f();
      },
    };
  },
};
