// Live updates for the page over server-sent events (issue 9: "live without reload"). SSE rather
// than WebSocket: one-way is all the page needs, it passes through the same fastify routes, CSP and
// session as every other request, and EventSource reconnects by itself after a restart.
//
// Cost on the box (stated in the report, measured by bench/page.ts): nothing runs while no page is
// open. With pages open, one status document is built at most once a second when something changed
// and every 5 s otherwise, serialised once and written to every stream; a scan is not such a change
// (the page draws a device's last scan from the scan itself). Scans are sent after the till's
// publish, all pending in one frame per 100 ms tick (250 ms while a frame carries more scans than
// the page shows), so the scan path only pushes to an array. A
// scan's views (text, hex, layout hint) are built at that flush, and only the kinds some open stream
// shows, each serialised once for all the streams that show it: with no page open a scan costs one
// size check. A frame carries every scan (the page's chart counts them), technicians' details only
// for its newest 20, as many as the page lists.
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

/** How to draw one scan for the page, called at most once each and only when a stream shows it. */
export interface ScanViews {
  pub(): unknown;
  detail(): unknown;
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
 * The page lists the newest 20 scans (also the scans of a frame sent to technicians with their
 * details: text, hex, hint) and redraws at most once a second while more than that arrive
 * between two draws (src/web/assets/app.js). So after a frame of more than 20, within a second, the
 * next frame waits longer: each frame wakes the phone's browser (and this loop) once, and a person
 * loses nothing at a rate no one reads. A scan after a quiet second still goes out in one tick.
 */
export const PAGE_SCANS = 20;
export const BUSY_TICK_MS = 250;

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
  let scanBatch: ScanViews[] = [];
  let scanTimer: NodeJS.Timeout | undefined;
  let bigFrameAt = Number.NEGATIVE_INFINITY;

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
  const flushScans = () => {
    scanTimer = undefined;
    const batch = scanBatch;
    scanBatch = [];
    if (batch.length > PAGE_SCANS) bigFrameAt = Date.now();
    const frames: { pub?: string; detail?: string } = {};
    let pubs: unknown[] | undefined;
    const pubOf = (i: number) => {
      pubs ??= [];
      if (pubs[i] === undefined) pubs[i] = buildPub(batch[i]!);
      return pubs[i];
    };
    // The page lists the newest PAGE_SCANS: older scans of the same frame go to technicians as
    // everyone sees them (counted in the chart, never drawn), not built with text and hex for nothing.
    const firstDetailed = Math.max(0, batch.length - PAGE_SCANS);
    const text = (technician: boolean): string => {
      if (technician) {
        frames.detail ??= frame(
          'scans',
          batch.map((v, i) => (i < firstDetailed ? pubOf(i) : buildDetail(v))),
        );
        return frames.detail;
      }
      frames.pub ??= frame(
        'scans',
        batch.map((_, i) => pubOf(i)),
      );
      return frames.pub;
    };
    for (const c of clients) write(c, text(c.technician));
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
      scanBatch.push(views);
      scanTimer ??= setTimeout(flushScans, Date.now() - bigFrameAt < 1000 ? BUSY_TICK_MS : SCAN_TICK_MS);
    },
    clients: () => clients.size,
    close() {
      clearInterval(tick);
      if (pending) clearTimeout(pending);
      if (scanTimer) clearTimeout(scanTimer);
      for (const c of clients) c.res.end();
      clients.clear();
    },
  };
}
