// A backlog in aedes' emitter that nobody hears drains without a crash. aedes delivers at most 100
// messages at a time and queues the rest; a till that stops reading holds every slot until the
// broker closes it (the stuck-till limit), and then the queue drains. With no other till
// subscribed, mqemitter drained it as one recursion, a few stack frames per message: 8,000 queued
// scans overflowed the stack, an uncaught RangeError that ends the process
// (src/mqtt/emitter-drain.ts, docs/stack-notes.md). 20,000 here, well past what overflowed on this
// machine (6,000 drained, 8,000 did not), so the test does not depend on the exact stack size.
// Real gateway, the product's own scan path, the stuck till a raw TCP socket that never reads.
import test from 'ava';
import { connect, recorder, startTestGateway, waitUntil } from '../helpers/gateway.ts';
import { floodScan, stuckTill } from '../helpers/stuck-till.ts';

const TILL = 'A';
const SCAN_TOPIC = `pos/${TILL}/scan`;
const FLOOD = 20_000;
/** The broker's stuck-till limit plus the drain of the flood, on a loaded 2-core machine. */
const DEADLINE_MS = 60_000;

for (const qos of [0, 1] as const) {
  test.serial(
    `${FLOOD} scans queued behind a till that stopped reading (QoS ${qos}), with no other till, drain without a crash: every publish settles, and the gateway serves the next till`,
    async (t) => {
      t.timeout(2 * DEADLINE_MS);
      const gw = await startTestGateway({ config: { till_id: TILL } });
      t.teardown(() => gw.stop());
      const stuck = await stuckTill('tcp', gw.gateway.mqttPort, qos, SCAN_TOPIC);
      t.teardown(() => stuck.destroy());

      // As the scan path publishes: each without waiting for the one before. The stuck socket fills
      // within the first few hundred; the rest wait in the emitter until the broker closes it.
      const published = Array.from({ length: FLOOD }, (_, i) => gw.gateway.publish('scan', floodScan(i)));
      await waitUntil(
        () => gw.lines.some((l) => l.includes('mqtt till stopped reading: connection closed')),
        'the stuck till closed',
        DEADLINE_MS,
      );
      const settled = await Promise.allSettled(published);
      t.is(
        settled.filter((r) => r.status === 'fulfilled').length,
        FLOOD,
        'every publish settles, none fails',
      );

      // The process is alive and its broker serves: a till connects, asks, and hears a new scan.
      const till = await connect(gw.url, { clientId: 'next-till' });
      t.teardown(() => till.endAsync());
      const scans = await recorder(till, SCAN_TOPIC);
      const answers = await recorder(till, `pos/${TILL}/response/gateway/test_scan`);
      till.publish(
        `pos/${TILL}/request/gateway/test_scan`,
        JSON.stringify({ transaction: 'after-drain', text: 'after-drain' }),
        { qos: 1 },
      );
      await answers.until((m) => m.payload.transaction === 'after-drain', DEADLINE_MS);
      await scans.until((m) => m.payload.text === 'after-drain', DEADLINE_MS);
      t.is(answers.messages.length, 1, 'one answer');
      t.is(scans.messages.filter((m) => m.payload.text === 'after-drain').length, 1, 'its scan once');
    },
  );
}
