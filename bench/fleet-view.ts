// The fleet view under test in the fleet benchmark, in its own process so its memory is its own:
// the same connection and model as `edge-gateway fleet`, plus Mosquitto's $SYS counters. Reports
// its summary over IPC every 100 ms (after a tick, as the CLI's redraw does); on {measure: true} it
// times a refresh and reports memory; on {track} it watches a group of tills every 25 ms and
// reports, per till, when it was first shown offline and when offline was reported (Last Will).
import { renderTable } from '../src/fleet/render.ts';
import { openFleetView } from '../src/fleet/view.ts';

const [url] = process.argv.slice(2);
const sys: Record<string, number> = {};
const view = await openFleetView({
  url: url!,
  prefix: 'edge',
  reconnect: true,
  // Mosquitto 2.0's publish counters skip retained messages (nearly all of a box's): bytes and
  // the messages this view receives (every box publish, fanned out once) give the rates.
  extra: ['$SYS/broker/bytes/received', '$SYS/broker/bytes/sent', '$SYS/broker/clients/connected'],
  onOther: (topic, payload) => {
    sys[topic.slice('$SYS/broker/'.length)] = Number(payload.toString());
  },
});

let received = 0;
let heartbeats = 0;
view.client.on('message', (topic) => {
  if (!topic.startsWith('edge/')) return;
  received++;
  if (topic.endsWith('/heartbeat')) heartbeats++;
});

setInterval(() => {
  const now = Date.now();
  view.model.tick(now);
  const s = view.model.summary(now);
  process.send?.({
    summary: s,
    sys: { ...sys, view_received: received, view_heartbeats: heartbeats },
    at: now,
  });
}, 100);

interface Track {
  id: string;
  tills: { branch: string; till: string }[];
  at: number;
  deadlineMs: number;
}

function track(msg: Track): void {
  const shown = new Map<number, number>();
  const reported = new Map<number, number>();
  const timer = setInterval(() => {
    const now = Date.now();
    msg.tills.forEach((t, i) => {
      const r = view.model.row(t.branch, t.till, now);
      if (r?.state !== 'offline') return;
      if (!shown.has(i)) shown.set(i, now - msg.at);
      if (!r.silent && !reported.has(i)) reported.set(i, now - msg.at);
    });
    if (reported.size === msg.tills.length || now - msg.at > msg.deadlineMs) {
      clearInterval(timer);
      process.send?.({ tracked: msg.id, shown: [...shown.values()], reported: [...reported.values()] });
    }
  }, 25);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

process.on('message', (msg: { measure?: boolean; track?: Track }) => {
  if (msg.track) return track(msg.track);
  if (!msg.measure) return;
  const all: number[] = [];
  const screen: number[] = [];
  let lines = 0;
  for (let i = 0; i < 15; i++) {
    const now = Date.now();
    let t0 = performance.now();
    const rows = view.model.rows({ sort: 'state' }, now);
    const full = renderTable(rows, view.model.summary(now), {
      width: Number.POSITIVE_INFINITY,
      height: Number.POSITIVE_INFINITY,
      color: false,
      nowMs: now,
      query: { sort: 'state' },
      broker: url!,
      connected: true,
    });
    all.push(performance.now() - t0);
    lines = full.split('\n').length;
    t0 = performance.now();
    const r2 = view.model.rows({ sort: 'backlog' }, now);
    renderTable(r2, view.model.summary(now), {
      width: 160,
      height: 50,
      color: true,
      nowMs: now,
      query: { sort: 'backlog' },
      broker: url!,
      connected: true,
    });
    screen.push(performance.now() - t0);
  }
  // Live memory, not garbage waiting for the next collection.
  (globalThis as { gc?: () => void }).gc?.();
  const mem = process.memoryUsage();
  process.send?.({
    measured: {
      rss_mb: Math.round(mem.rss / 2 ** 20),
      heap_used_mb: Math.round(mem.heapUsed / 2 ** 20),
      refresh_full_table_ms: Math.round(median(all) * 10) / 10,
      refresh_screen_ms: Math.round(median(screen) * 10) / 10,
      full_table_lines: lines,
    },
  });
});
