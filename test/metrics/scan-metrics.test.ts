// The scan metrics, counted in plain numbers and read by prom-client at scrape time
// (src/metrics/metrics.ts): the latency histogram (src/metrics/counted-histogram.ts) gives
// Prometheus the very text prom-client's own Histogram gives for the same observations, in both
// exposition formats, and the same JSON; scans_total the series prom-client's Counter gave.
import test from 'ava';
import fc from 'fast-check';
import { countedHistogram } from '../../src/metrics/counted-histogram.ts';
import { createGatewayMetrics } from '../../src/metrics/metrics.ts';
import { Histogram, Registry } from '../../src/metrics/prom.ts';

const BUCKETS = [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1];

// The JSON API's series (prom-client adds exemplar fields, empty without exemplars).
const json = async (r: Registry) =>
  (await r.getMetricsAsJSON()).map((m) => ({
    ...m,
    values: m.values.map((v) => ({
      labels: v.labels,
      value: v.value,
      metricName: (v as { metricName?: string }).metricName,
    })),
  }));

function pair(openMetrics = false) {
  // prom-client's types leave out the constructor's content type argument.
  const OpenMetricsRegistry = Registry as unknown as new (contentType: string) => Registry;
  const make = () =>
    openMetrics ? new OpenMetricsRegistry(Registry.OPENMETRICS_CONTENT_TYPE) : new Registry();
  const theirs = make();
  const ours = make();
  const opts = {
    name: 'edge_scan_latency_seconds',
    help: 'Latency, "quoted" \\ and\nnewline.',
    buckets: BUCKETS,
  };
  const h = new Histogram({ ...opts, registers: [theirs] });
  const c = countedHistogram({ ...opts, registers: [ours] });
  return {
    theirs,
    ours,
    observe: (v: number) => {
      h.observe(v);
      c.observe(v);
    },
  };
}

test('counted histogram: the same exposition text and JSON as prom-client’s Histogram', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      // Bounds themselves (le is inclusive), values between, below all and above all.
      fc.array(
        fc.oneof(fc.constantFrom(0, ...BUCKETS, 0.3, 7), fc.double({ min: 0, max: 0.2, noNaN: true })),
        {
          maxLength: 60,
        },
      ),
      async (values) => {
        const { theirs, ours, observe } = pair();
        for (const v of values) observe(v);
        t.is(await ours.metrics(), await theirs.metrics());
        t.deepEqual(await json(ours), await json(theirs));
        const om = pair(true);
        for (const v of values) om.observe(v);
        t.is(await om.ours.metrics(), await om.theirs.metrics());
        // Merged as the gateway merges its registry with the process metrics.
        t.is(await Registry.merge([ours]).metrics(), await Registry.merge([theirs]).metrics());
      },
    ),
    { numRuns: 100 },
  );
});

test('counted histogram: no observations gives the zero series; reset empties it; NaN is refused', async (t) => {
  const { theirs, ours, observe } = pair();
  t.is(await ours.metrics(), await theirs.metrics());
  observe(0.003);
  t.regex(await ours.metrics(), /edge_scan_latency_seconds_count 1$/m);
  ours.resetMetrics();
  theirs.resetMetrics();
  // prom-client's reset leaves no series at all until the next observation; ours the zero series.
  t.regex(await ours.metrics(), /edge_scan_latency_seconds_count 0$/m);
  observe(0.003);
  t.is(await ours.metrics(), await theirs.metrics());
  t.throws(
    () => countedHistogram({ name: 'x', help: 'x', buckets: BUCKETS, registers: [] }).observe(Number.NaN),
    {
      instanceOf: TypeError,
    },
  );
});

test('scans_total: counted by kind at scrape time, series in the order first scanned, as prom-client gave them', async (t) => {
  const m = createGatewayMetrics({ version: 'test' });
  const series = async () =>
    (await m.render()).body.split('\n').filter((l) => l.startsWith('edge_scans_total{'));
  t.deepEqual(await series(), []);
  m.scan('product', 0.001);
  m.scan('text', 0.0001);
  m.scan('product', 0.3);
  // A kind outside the classification's list is not a series (label values come from fixed sets).
  m.scan('bogus' as never, 0.001);
  t.deepEqual(await series(), ['edge_scans_total{kind="product"} 2', 'edge_scans_total{kind="text"} 1']);
  // Cumulative across scrapes.
  m.scan('text', 0.0001);
  t.deepEqual(await series(), ['edge_scans_total{kind="product"} 2', 'edge_scans_total{kind="text"} 2']);
  t.regex((await m.render()).body, /^edge_scan_latency_seconds_count 5$/m);
});
