// Live updates for the page over server-sent events (issue 9: "live without reload"). SSE rather
// than WebSocket: one-way is all the page needs, it passes through the same fastify routes, CSP and
// session as every other request, and EventSource reconnects by itself after a restart.
//
// Cost on the box (stated in the report, measured by bench/page.ts): nothing runs while no page is
// open. With pages open, one status document is built at most once a second when something changed
// and every 5 s otherwise, serialised once and written to every stream; a scan is not such a change
// (the page draws a device's last scan from the scans' frames). Scans are sent after the till's
// publish, all pending in one frame at most per 100 ms tick (250 ms while a frame carries more scans
// than the page shows), so the scan path only counts, notes the device's time and keeps the newest 20.
// A frame is made right after a scan's publish once the tick has passed, or when the scanner has
// been quiet for 50 ms: in a burst the frame's work lands in the gap after a scan, not on the next.
// A frame carries the count (the page's chart), each device's newest scan time and the newest 20
// scans (as many as the page lists), whatever the flood, so its cost is bounded rather than growing
// with the scan rate; its views are built a few per turn of the loop, so a scan arriving meanwhile
// waits for one turn's views, not for the whole frame. A scan's views (text, hex, layout hint) are built at that flush,
// only for the newest 20 and only the kinds some open stream shows, each serialised once for all
// the streams that show it: with no page open a scan costs one size check.
import type { ServerResponse } from 'node:http';
import type { Logger } from '../log.ts';

export interface LiveClient {
  res: ServerResponse;
  /** Sees the technician's scan details (text, hex); decided at connect from the session. */
  technician: boolean;
}

export interface LiveHub {
  add(client: LiveClient, first: string): void;
  /** Something on the page changed: a status event soon (coalesced to one a second). */
  changed(): void;
  /** A scan: `pub` for everyone, `detail` for technician streams only; built only if shown. */
  scan(views: ScanViews): void;
  clients(): number;
  close(): void;
}

/**
 * One scan for the page: its device and time (for the devices' last scan, whatever the flood), and
 * how to draw it, each view called at most once and only when a stream shows it.
 */
export interface ScanViews {
  device_id: string;
  ts: string;
  pub(): unknown;
  detail(): unknown;
}

/**
 * The `scans` event of /api/events: how many scans arrived since the last frame (the chart counts
 * them), each device's newest scan time among them, and the newest PAGE_SCANS of them drawn for
 * this stream (everyone's view, or the technician's with text and hex), oldest first. Its size is
 * bounded however many scans a tick holds: a flood costs the loop the same frame as 20 scans.
 */
export interface ScansFrame {
  count: number;
  last_scan: Record<string, string>;
  scans: unknown[];
}

export function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * Scans go out at most once per tick, all pending in one frame: on a busy scanner one write per
 * stream and one serialisation per kind of stream per tick, however many scans it holds.
 */
const SCAN_TICK_MS = 100;
/**
 * The page lists the newest 20 scans (the scans a frame carries, with the technicians' details:
 * text, hex, hint) and redraws at most once a second while more than that arrive between two draws
 * (src/web/assets/app.js). So after a frame of more than 20, within a second, the next frame waits
 * longer: each frame wakes the phone's browser (and this loop) once, and a person loses nothing at
 * a rate no one reads. A scan after a quiet second still goes out at once.
 */
export const PAGE_SCANS = 20;
export const BUSY_TICK_MS = 250;
/**
 * When a frame is made. A timer firing at the tick lands at a random moment of a burst, sometimes
 * on the next scan, which then waits behind the frame's views and writes on this CPU and behind the
 * streams' readers waking on the other (in the page bench, a scan every 3 ms and a frame every
 * 250 ms: one scan in about 80, the slowest 1 %). So once the tick has passed, the frame is made
 * right after a scan's publish (an immediate: the scan's bytes are on the till's socket by then),
 * in the gap before the following scan. Measured in that bench, 40,000 scans a side, in one hour:
 * p99 open / closed 1.08 (0.99-1.19) with the timer, 0.98 (0.91-1.06) so. A scan that no other
 * follows goes out when the scanner has been quiet this long, and never before its tick.
 */
export const QUIET_MS = 50;
/** Views built in one turn of the loop while a frame is made (see flushScans). */
const VIEWS_PER_TURN = 5;

const buildPub = (v: ScanViews) => v.pub();
const buildDetail = (v: ScanViews) => v.detail();

export function createLiveHub(opts: {
  status: () => unknown;
  logger: Logger;
  minGapMs?: number;
  tickMs?: number;
}): LiveHub {
  const minGap = opts.minGapMs ?? 1000;
  const clients = new Set<LiveClient>();
  let pending: NodeJS.Timeout | undefined;
  let lastSent = 0;
  // The scans since the last frame: how many, each device's newest, and the newest PAGE_SCANS.
  let count = 0;
  let lastScan: Record<string, string> = Object.create(null);
  let recent: ScanViews[] = [];
  // performance.now() times: of the last frame, of a frame holding more than the page shows, of
  // the newest scan.
  let frameAt = Number.NEGATIVE_INFINITY;
  let bigFrameAt = Number.NEGATIVE_INFINITY;
  let scanAt = 0;
  let quiet: NodeJS.Timeout | undefined;
  let flushing: NodeJS.Immediate | undefined;
  const scanTick = (now: number) => (now - bigFrameAt < 1000 ? BUSY_TICK_MS : SCAN_TICK_MS);

  const write = (c: LiveClient, text: string) => {
    // A phone that went to sleep stops reading: drop it rather than buffer for it without end.
    if (c.res.writableLength > 256 * 1024) {
      c.res.destroy();
      clients.delete(c);
      return;
    }
    c.res.write(text);
  };
  const sendStatus = () => {
    pending = undefined;
    lastSent = Date.now();
    if (clients.size === 0) return;
    let text: string;
    try {
      text = frame('status', opts.status());
    } catch (err) {
      opts.logger.error('status event failed', { error: err });
      return;
    }
    for (const c of clients) write(c, text);
  };
  // A frame's views are built a few per turn of the loop, each turn a separate immediate, so a
  // scan's bytes that arrive meanwhile are read between two turns (libuv polls I/O before the next
  // immediate) instead of waiting behind the whole frame. Measured in the page bench, 20
  // technician views took 0.25 ms at p50 and 1.5 ms at p99 in one block (the first view of a flush
  // pays for cold caches), the frame's JSON 0.06 ms and each write 0.01 ms.
  let building: NodeJS.Immediate | undefined;
  const flushScans = () => {
    flushing = undefined;
    if (quiet) clearTimeout(quiet);
    quiet = undefined;
    frameAt = performance.now();
    const head = { count, last_scan: lastScan };
    const batch = recent;
    if (count > PAGE_SCANS) bigFrameAt = frameAt;
    count = 0;
    lastScan = Object.create(null);
    recent = [];
    // Each view built once for all the streams showing it, only the kinds some stream shows.
    const kinds = new Set<'pub' | 'detail'>();
    for (const c of clients) kinds.add(c.technician ? 'detail' : 'pub');
    const views: { pub: unknown[]; detail: unknown[] } = { pub: [], detail: [] };
    const jobs: (() => void)[] = [];
    for (const v of batch) {
      if (kinds.has('detail')) jobs.push(() => views.detail.push(buildDetail(v)));
      if (kinds.has('pub')) jobs.push(() => views.pub.push(buildPub(v)));
    }
    let next = 0;
    const send = () => {
      const frames: { pub?: string; detail?: string } = {};
      const text = (technician: boolean): string => {
        const kind = technician ? 'detail' : 'pub';
        // A stream of a kind that opened while the views were built: its views now, in this turn.
        if (!kinds.has(kind)) {
          kinds.add(kind);
          views[kind] = batch.map(kind === 'detail' ? buildDetail : buildPub);
        }
        frames[kind] ??= frame('scans', { ...head, scans: views[kind] } satisfies ScansFrame);
        return frames[kind];
      };
      for (const c of clients) write(c, text(c.technician));
    };
    const turn = () => {
      building = undefined;
      const end = Math.min(jobs.length, next + VIEWS_PER_TURN);
      while (next < end) jobs[next++]!();
      if (next < jobs.length) building = setImmediate(turn);
      else send();
    };
    turn();
  };
  // Armed once per frame and moved on while scans keep coming: a timer, not one per scan.
  const onQuiet = () => {
    quiet = undefined;
    if (count === 0 || flushing) return;
    const now = performance.now();
    const wait = Math.max(scanAt + QUIET_MS, frameAt + scanTick(now)) - now;
    // libuv's timers run on a millisecond clock: up to a ms early is on time.
    if (wait > 1) quiet = setTimeout(onQuiet, wait);
    else flushScans();
  };
  const changed = () => {
    if (pending || clients.size === 0) return;
    pending = setTimeout(sendStatus, Math.max(0, lastSent + minGap - Date.now()));
    pending.unref();
  };
  // Uptime, system figures and ages move without events; a slow tick keeps them current. It also
  // keeps proxies and phones from closing an idle stream.
  const tick = setInterval(() => {
    if (clients.size > 0) changed();
  }, opts.tickMs ?? 5000);
  tick.unref();

  return {
    add(client, first) {
      clients.add(client);
      client.res.on('close', () => clients.delete(client));
      client.res.write(first);
    },
    changed,
    scan(views) {
      if (clients.size === 0) return;
      count++;
      lastScan[views.device_id] = views.ts;
      recent.push(views);
      if (recent.length > PAGE_SCANS) recent.shift();
      scanAt = performance.now();
      if (flushing) return;
      if (scanAt - frameAt >= scanTick(scanAt)) flushing = setImmediate(flushScans);
      else quiet ??= setTimeout(onQuiet, QUIET_MS);
    },
    clients: () => clients.size,
    close() {
      clearInterval(tick);
      if (pending) clearTimeout(pending);
      if (quiet) clearTimeout(quiet);
      if (flushing) clearImmediate(flushing);
      if (building) clearImmediate(building);
      for (const c of clients) c.res.end();
      clients.clear();
    },
  };
}
