// The live hub's cost on the scan path (src/web/live.ts): a scan's views are built only for the
// streams that show them, once per batch, only for the newest the page lists, and not at all while
// no page is open; a frame's size does not grow with the flood. Real HTTP streams on loopback stand
// in for pages.
import { once } from 'node:events';
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { silentLogger } from '../../src/log.ts';
import {
  BUSY_TICK_MS,
  createLiveHub,
  type LiveHub,
  PAGE_SCANS,
  QUIET_MS,
  type ScansFrame,
  type ScanViews,
} from '../../src/web/live.ts';

/** A server whose every request becomes a live stream; `technician` from the query. Closed, with
 * the hub, when the test ends. */
async function serve(hub: LiveHub, t: ExecutionContext): Promise<Server> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    hub.add({ res, technician: req.url === '/?technician' }, ': hello\n\n');
  });
  t.teardown(() => {
    hub.close();
    server.closeAllConnections();
    server.close();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/** The `scans` frames of a stream's text, parsed. */
const scanFrames = (text: string): ScansFrame[] =>
  [...text.matchAll(/event: scans\ndata: (.*)\n/g)].map((m) => JSON.parse(m[1]!) as ScansFrame);

/** Opens a stream and resolves with its text once `until` appears in it. */
async function stream(server: Server, path: string) {
  const { port } = server.address() as AddressInfo;
  const req = get({ host: '127.0.0.1', port, path });
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (d: string) => {
    text += d;
  });
  const waitFor = (until: string) =>
    new Promise<string>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`no "${until}" in: ${text}`)), 10_000);
      const check = () => {
        if (!text.includes(until)) return;
        clearTimeout(deadline);
        res.off('data', check);
        resolve(text);
      };
      res.on('data', check);
      check();
    });
  await waitFor(': hello');
  return { waitFor, close: () => req.destroy() };
}

function counted(id: string, device_id = 'kbd-1', ts = '2026-01-01T00:00:00.000Z') {
  const calls = { pub: 0, detail: 0 };
  const views: ScanViews = {
    device_id,
    ts,
    pub: () => {
      calls.pub++;
      return { id };
    },
    detail: () => {
      calls.detail++;
      return { id, hex: 'de ad' };
    },
  };
  return { calls, views };
}

test('with no page open a scan builds neither view; with pages open each view once per scan, only where shown', async (t) => {
  const hub = createLiveHub({ status: () => ({}), logger: silentLogger, tickMs: 60_000 });
  const server = await serve(hub, t);

  const idle = counted('idle');
  hub.scan(idle.views);
  t.deepEqual(idle.calls, { pub: 0, detail: 0 });

  const visitor = await stream(server, '/');
  const onlyPublic = counted('public-1');
  hub.scan(onlyPublic.views);
  const seen = await visitor.waitFor('public-1');
  t.deepEqual(onlyPublic.calls, { pub: 1, detail: 0 });
  t.false(seen.includes('de ad'));

  const tech = await stream(server, '/?technician');
  const visitor2 = await stream(server, '/');
  const both = [counted('both-1'), counted('both-2')];
  for (const s of both) hub.scan(s.views);
  const techSeen = await tech.waitFor('both-2');
  await visitor.waitFor('both-2');
  await visitor2.waitFor('both-2');
  t.true(techSeen.includes('"hex":"de ad"'));
  // Two public streams, one technician stream: still each view once per scan.
  for (const s of both) t.deepEqual(s.calls, { pub: 1, detail: 1 });
  t.is(hub.clients(), 3);
});

test('a burst of scans goes out as one frame per stream, and scans alone build no status', async (t) => {
  let statuses = 0;
  const hub = createLiveHub({
    status: () => {
      statuses++;
      return {};
    },
    logger: silentLogger,
    tickMs: 60_000,
  });
  const server = await serve(hub, t);
  const tech = await stream(server, '/?technician');
  const burst = Array.from({ length: 30 }, (_, i) => counted(`burst-${i}`));
  for (const s of burst) hub.scan(s.views);
  const seen = await tech.waitFor('burst-29');
  const frames = scanFrames(seen);
  t.is(frames.length, 1);
  t.is(frames[0]!.count, 30);
  t.deepEqual(
    frames[0]!.scans.map((s) => (s as { id: string }).id),
    burst.slice(-PAGE_SCANS).map((_, i) => `burst-${30 - PAGE_SCANS + i}`),
  );
  // A status is built for a change on the page (devices, link, outbox), not for each scan.
  t.is(statuses, 0);
  hub.changed();
  await tech.waitFor('event: status');
  t.is(statuses, 1);
});

test('after a frame of more scans than the page shows, the next frame waits the busy tick', async (t) => {
  const hub = createLiveHub({ status: () => ({}), logger: silentLogger, tickMs: 60_000 });
  const server = await serve(hub, t);
  const tech = await stream(server, '/?technician');
  const big = Array.from({ length: PAGE_SCANS + 1 }, (_, i) => counted(`big-${i}`));
  // Taken before the big frame is made, so the busy tick from that frame is a lower bound here (which
  // a loaded machine cannot make fail; libuv's loop clock may run up to a ms behind).
  const t0 = performance.now();
  for (const s of big) hub.scan(s.views);
  await tech.waitFor(`big-${PAGE_SCANS}`);
  // The next scan right after a big frame: held until the busy tick, then in a frame of its own.
  hub.scan(counted('next').views);
  const seen = await tech.waitFor('"next"');
  t.true(performance.now() - t0 >= BUSY_TICK_MS - 2, `next frame after ${performance.now() - t0} ms`);
  t.is(seen.split('event: scans').length - 1, 2);
});

test("once the tick has passed, a scan's frame is made right after it, before the loop's next turn", async (t) => {
  const hub = createLiveHub({ status: () => ({}), logger: silentLogger, tickMs: 60_000 });
  const server = await serve(hub, t);
  const tech = await stream(server, '/?technician');
  const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
  const first = counted('first');
  hub.scan(first.views);
  // The first scan after the page opened: its views built in the immediate after it, not on a timer.
  await nextTurn();
  t.is(first.calls.detail, 1);
  // Within the tick (at once after that frame, not after the stream's round trip, which a loaded
  // machine could stretch past the tick): held. Past it (waited for at least the tick, a lower
  // bound): made at once again.
  const early = counted('early');
  hub.scan(early.views);
  await nextTurn();
  t.is(early.calls.detail, 0);
  await tech.waitFor('"early"');
  await new Promise((resolve) => setTimeout(resolve, 120));
  const late = counted('late');
  hub.scan(late.views);
  await nextTurn();
  t.is(late.calls.detail, 1);
  const frames = scanFrames(await tech.waitFor('"late"'));
  t.deepEqual(
    frames.map((f) => f.scans.map((s) => (s as { id: string }).id)),
    [['first'], ['early'], ['late']],
  );
});

test('a scan within the tick waits until the scanner has been quiet, then goes out with those after it in one frame', async (t) => {
  const hub = createLiveHub({ status: () => ({}), logger: silentLogger, tickMs: 60_000 });
  const server = await serve(hub, t);
  const tech = await stream(server, '/?technician');
  hub.scan(counted('opener').views);
  // The opener's frame is made in this immediate: the scans below start within its tick (not after
  // the stream's round trip, which a loaded machine could stretch past it).
  await new Promise((resolve) => setImmediate(resolve));
  // Three scans 30 ms apart, each under the quiet spell after the one before (spun, not slept, so a
  // loaded machine cannot stretch a gap past it): one frame, made no sooner than the quiet spell
  // after the last of them. The last is 60 ms into the tick, so the spell after it ends past the
  // tick's end: a spell counted from the first scan would end within the tick and fail the bound.
  const ids = ['a', 'b', 'c'];
  let lastAt = 0;
  for (const id of ids) {
    if (lastAt) while (performance.now() - lastAt < 30);
    hub.scan(counted(id).views);
    lastAt = performance.now();
  }
  const frames = scanFrames(await tech.waitFor('"c"'));
  t.true(
    performance.now() - lastAt >= QUIET_MS - 2,
    `frame ${performance.now() - lastAt} ms after the last scan`,
  );
  t.deepEqual(
    frames.map((f) => f.scans.map((s) => (s as { id: string }).id)),
    [['opener'], ids],
  );
});

test("a frame of more scans than the page lists carries their count, each device's newest time and the newest 20 only, only those views built", async (t) => {
  const hub = createLiveHub({ status: () => ({}), logger: silentLogger, tickMs: 60_000 });
  const server = await serve(hub, t);
  const tech = await stream(server, '/?technician');
  const visitor = await stream(server, '/');
  const n = PAGE_SCANS * 10;
  // Device a scans first and last, b only among the older scans that are not listed.
  const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, 0, i)).toISOString();
  const burst = Array.from({ length: n }, (_, i) =>
    counted(`many-${i}`, i === 0 || i >= 100 ? 'a' : 'b', at(i)),
  );
  for (const s of burst) hub.scan(s.views);
  const last = `many-${n - 1}`;
  const [techFrame, ...more] = scanFrames(await tech.waitFor(last));
  const [visitorFrame] = scanFrames(await visitor.waitFor(last));
  t.is(more.length, 0);
  const newest = burst.slice(-PAGE_SCANS).map((_, i) => `many-${n - PAGE_SCANS + i}`);
  for (const f of [techFrame!, visitorFrame!]) {
    t.is(f.count, n);
    t.deepEqual(f.last_scan, { a: at(n - 1), b: at(99) });
    t.deepEqual(
      f.scans.map((s) => (s as { id: string }).id),
      newest,
    );
  }
  t.true(techFrame!.scans.every((s) => (s as { hex?: string }).hex === 'de ad'));
  t.true(visitorFrame!.scans.every((s) => (s as { hex?: string }).hex === undefined));
  t.deepEqual(
    burst.map((s) => s.calls),
    burst.map((_, i) => (i >= n - PAGE_SCANS ? { pub: 1, detail: 1 } : { pub: 0, detail: 0 })),
  );
});

test('a frame of 20 technician views is built a few per turn of the loop, so work queued meanwhile (a scan read) runs between turns', async (t) => {
  const hub = createLiveHub({ status: () => ({}), logger: silentLogger, tickMs: 60_000 });
  const server = await serve(hub, t);
  const tech = await stream(server, '/?technician');
  const log: string[] = [];
  const scans = Array.from({ length: PAGE_SCANS }, (_, i) => {
    const c = counted(`turn-${i}`);
    const detail = c.views.detail;
    c.views.detail = () => {
      // What else the loop has to do when the frame's building starts: it comes before the rest.
      if (i === 0) setImmediate(() => log.push('io'));
      log.push(`view-${i}`);
      return detail();
    };
    return c.views;
  });
  for (const v of scans) hub.scan(v);
  const [f] = scanFrames(await tech.waitFor(`turn-${PAGE_SCANS - 1}`));
  t.deepEqual(
    f!.scans.map((s) => (s as { id: string }).id),
    scans.map((_, i) => `turn-${i}`),
  );
  const io = log.indexOf('io');
  // One turn's views (5) before it, the other 15 after: not all 20 in one block.
  t.is(io, 5);
  t.is(log.length, PAGE_SCANS + 1);
});
