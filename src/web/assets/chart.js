// The last hour as one small SVG (no chart library, no CDN): scans per minute as bars, provider
// latency and outbox depth as lines, each on its own scale, labelled with its peak.
import { h } from './dom.js';

const NS = 'http://www.w3.org/2000/svg';
const H = 140;
const PAD = { l: 4, r: 4, t: 14, b: 16 };
const MINUTE = 60000;

function s(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

export function drawChart(container, points) {
  // Drawn at the container's own width so labels keep their size on a phone.
  const W = Math.max(280, Math.round(container.clientWidth || 600));
  const now = Math.floor(Date.now() / MINUTE) * MINUTE;
  const start = now - 59 * MINUTE;
  const byT = new Map(points.map((p) => [p.t, p]));
  const series = Array.from({ length: 60 }, (_, i) => byT.get(start + i * MINUTE) ?? null);
  const peak = (key) => Math.max(0, ...series.map((p) => p?.[key] ?? 0));
  const peaks = { scans: peak('scans'), latency: peak('latency_ms'), depth: peak('depth') };
  const maxScans = Math.max(1, peaks.scans);
  const maxLat = Math.max(1, peaks.latency);
  const maxDepth = Math.max(1, peaks.depth);
  const iw = (W - PAD.l - PAD.r) / 60;
  const y = (v, max) => PAD.t + (H - PAD.t - PAD.b) * (1 - v / max);
  const x = (i) => PAD.l + iw * i + iw / 2;

  const svg = s('svg', { viewBox: `0 0 ${W} ${H}` });
  svg.append(s('line', { x1: PAD.l, x2: W - PAD.r, y1: H - PAD.b, y2: H - PAD.b, stroke: '#e4e7ec' }));
  series.forEach((p, i) => {
    if (!p || p.scans === 0) return;
    const top = y(p.scans, maxScans);
    svg.append(
      s('rect', {
        x: PAD.l + iw * i + 1,
        y: top,
        width: Math.max(1, iw - 2),
        height: H - PAD.b - top,
        fill: '#b2ccff',
      }),
    );
  });
  const line = (key, max, color) => {
    const pts = series.map((p, i) =>
      p && p[key] !== null ? `${x(i).toFixed(1)},${y(p[key], max).toFixed(1)}` : null,
    );
    const segs = [];
    let cur = [];
    for (const pt of pts) {
      if (pt) cur.push(pt);
      else if (cur.length) {
        segs.push(cur);
        cur = [];
      }
    }
    if (cur.length) segs.push(cur);
    for (const seg of segs) {
      if (seg.length === 1) {
        const [cx, cy] = seg[0].split(',');
        svg.append(s('circle', { cx, cy, r: 2.5, fill: color }));
      } else
        svg.append(s('polyline', { points: seg.join(' '), fill: 'none', stroke: color, 'stroke-width': 2 }));
    }
  };
  line('latency_ms', maxLat, '#f79009');
  line('depth', maxDepth, '#7a5af8');
  svg.append(s('text', { x: PAD.l, y: H - 3 }, '60 min ago'));
  svg.append(s('text', { x: W - PAD.r, y: H - 3, 'text-anchor': 'end' }, 'now'));
  const legend = h(
    'div',
    { class: 'legend' },
    h('span', {}, h('i', { class: 'k-scans' }), `scans/min (peak ${peaks.scans})`),
    h('span', {}, h('i', { class: 'k-lat' }), `provider latency (peak ${peaks.latency} ms)`),
    h('span', {}, h('i', { class: 'k-depth' }), `outbox depth (peak ${peaks.depth})`),
  );
  container.replaceChildren(svg, legend);
}
