// A till with a persistent session that comes back while aedes' deliveries are backed up still
// hears every scan once (DESIGN §1). aedes' emitter runs at most 100 messages at a time; the rest
// wait in its queue. A message is queued for an away till before it is emitted, so when the till
// logs in while messages wait in the emitter, the broker's queue sends them and then the emitter,
// reaching the restored subscription later, sends them again. The backlog is made the way it
// happens on site: another till stops reading, and its full socket holds every delivery slot until
// the broker closes it (the setting `mqtt.drain_timeout_ms`, src/mqtt/broker.ts). Real aedes broker with till logins on
// loopback, a real mqtt.js till, the stuck till a raw socket.
import test from 'ava';
import { waitUntil } from '../helpers/gateway.ts';
import { OTHER, SCAN, sessionBroker, sessionTill, subscribedAndGone, TILL } from '../helpers/session-till.ts';
import { stuckTill } from '../helpers/stuck-till.ts';

const ID = 'till-1-pos';
/** Scans of about 1 KB: several times what the stuck socket's buffers take. */
const FLOOD = 6000;
const PAD = 'x'.repeat(900);
const DEADLINE_MS = 60_000;

for (const filters of [[SCAN], ['pos/T1/#', SCAN]]) {
  test(`a persistent till (subscribed to ${filters.join(' and ')}) back while a stuck till holds every delivery slot hears each scan once, in order, and stays connected`, async (t) => {
    t.timeout(120_000);
    const rig = await sessionBroker(t, { maxQueued: 100_000 });
    await subscribedAndGone(t, rig, ID, TILL, filters);
    const stuck = await stuckTill('tcp', rig.broker.port, 1, SCAN, OTHER);
    t.teardown(() => stuck.destroy());

    // As the scan path publishes: each without waiting for the one before.
    const published = Array.from({ length: FLOOD }, (_, i) =>
      rig.broker.publish(SCAN, { text: `F${i}`, pad: PAD }, { qos: 1, retain: false }),
    );
    for (const p of published) p.catch(() => {});
    // Back at once: the stuck till's socket fills within the flood, so the emitter holds a backlog
    // of scans already queued for this till while it logs in and its queue is sent.
    const till = await sessionTill(t, rig.url, ID);
    t.true(till.sessionPresent);
    // The stuck till is closed after the drain limit; then the emitter's backlog goes out. A scan
    // published after it all is heard last: by then every delivery the backlog held has come.
    await waitUntil(
      () => rig.logged('mqtt till stopped reading: connection closed').length === 1,
      'stuck till closed',
      DEADLINE_MS,
    );
    await Promise.all(published);
    await rig.broker.publish(SCAN, { text: 'last' }, { qos: 1, retain: false });
    // aedes closes the connection of a till that acknowledges a message twice over (`no such packet`).
    await waitUntil(
      () => till.scans.includes('last') || !till.client.connected,
      'the last scan heard',
      DEADLINE_MS,
    );
    t.true(
      till.client.connected,
      `the till's connection stays up (${rig.logged('mqtt client error').length} client errors logged)`,
    );

    const counts = new Map<string, number>();
    for (const s of till.scans) counts.set(s, (counts.get(s) ?? 0) + 1);
    const twice = [...counts].filter(([, n]) => n > 1).length;
    const missing = Array.from({ length: FLOOD }, (_, i) => `F${i}`).filter((s) => !counts.has(s)).length;
    const order = till.scans.filter((s) => s !== 'last').map((s) => Number(s.slice(1)));
    const backwards = order.filter((n, i) => i > 0 && n < order[i - 1]!).length;
    t.log(`heard ${till.scans.length}: ${twice} twice, ${missing} missing, ${backwards} after a later one`);
    t.deepEqual({ twice, missing, backwards }, { twice: 0, missing: 0, backwards: 0 });
    t.is(till.scans.at(-1), 'last');
  });
}
