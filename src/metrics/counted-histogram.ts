// A label-free histogram counted in plain numbers and handed to prom-client's registry when it is
// scraped (the registry's `registerMetric` takes any metric whose `get()` gives its values;
// prom-client still writes the exposition text, escaping and all).
//
// Why (DESIGN §10 scan latency, issue 7 item 6): it is observed once per scan, on the gateway's
// event loop right when the next scan is on its way. prom-client's `Histogram.observe` makes a
// closure and a label pair per call, checks and hashes the (empty) label set, and counts into an
// object keyed by the bucket's bound as a number, so each count is a keyed store by a
// number-turned-string: measured in the gateway process (perf, 2,000 scans), prom-client's observe
// and the counter's inc were 3.7 % of its main thread, ahead of the scan's log line. Here an
// observation is a scan of the bounds and two additions.
import type { Registry } from './prom.ts';

export interface CountedHistogram {
  observe(value: number): void;
}

/** Registers the histogram `name` in `registry`; the same series prom-client's Histogram gives. */
export function countedHistogram(opts: {
  name: string;
  help: string;
  buckets: readonly number[];
  registers: Registry[];
}): CountedHistogram {
  const bounds = [...opts.buckets].sort((a, b) => a - b);
  // counts[i]: observations in (bounds[i-1], bounds[i]]; the last slot: above every bound.
  const counts = new Array<number>(bounds.length + 1).fill(0);
  let sum = 0;
  let count = 0;
  const bucket = `${opts.name}_bucket`;
  const metric = {
    name: opts.name,
    help: opts.help,
    type: 'histogram' as const,
    aggregator: 'sum' as const,
    get() {
      let acc = 0;
      const values: { labels: Record<string, string | number>; value: number; metricName: string }[] =
        bounds.map((le, i) => {
          acc += counts[i] as number;
          return { labels: { le }, value: acc, metricName: bucket };
        });
      values.push(
        { labels: { le: '+Inf' }, value: count, metricName: bucket },
        { labels: {}, value: sum, metricName: `${opts.name}_sum` },
        { labels: {}, value: count, metricName: `${opts.name}_count` },
      );
      return { name: opts.name, help: opts.help, type: metric.type, values, aggregator: metric.aggregator };
    },
    reset() {
      counts.fill(0);
      sum = 0;
      count = 0;
    },
  };
  for (const r of opts.registers)
    r.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
  return {
    observe(value) {
      // As prom-client: a value that is not a finite number is a caller's bug, never counted.
      if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
      let i = 0;
      while (i < bounds.length && value > (bounds[i] as number)) i++;
      counts[i] = (counts[i] as number) + 1;
      sum += value;
      count++;
    },
  };
}
