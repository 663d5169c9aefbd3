// The status page: one live stream (server-sent events) renders everything; nothing polls.
import { drawChart } from './chart.js';
import { $, ago, duration, h, rows, time } from './dom.js';
import { renderInventory } from './inventory.js';
import { initTech, isTechnician, onTechStatus } from './tech.js';
import './provision.js';
import { onDeadCount } from './tools.js';

let last = null;
let history = [];

function renderStatus(st) {
  last = st;
  $('till').textContent = `Till ${st.till_id}`;
  $('branch').textContent = `Branch ${st.branch_id}${st.demo ? ' (demo mode)' : ''}`;
  $('version').textContent = st.version;
  $('uptime').textContent = duration(st.uptime_s);
  $('claim-banner').hidden = st.claimed;
  document.title = `${st.till_id} · edge gateway`;

  const c = st.health.cloud;
  $('cloud-dot').dataset.state = c.state;
  $('cloud-card').dataset.state = c.state;
  rows($('cloud'), [
    ['Provider', `${c.provider}${c.simulated ? ' (simulator)' : ''}`],
    ['State', c.state === 'up' ? 'reachable' : c.state === 'down' ? 'unreachable' : 'no request yet'],
    ['Last success', ago(c.last_ok_at)],
    ['Latency', c.latency_ms === null ? '—' : `${c.latency_ms} ms`],
    ['Last error', c.last_error ? `${c.last_error.code}, ${ago(c.last_error.at)}` : 'none'],
    ['Circuit', c.circuit],
  ]);

  const ops = st.ops;
  $('ops-dot').dataset.state = ops.state === 'up' ? 'up' : ops.state === 'not_configured' ? 'idle' : 'down';
  $('ops-card').dataset.state = ops.state;
  rows($('ops'), [
    ['State', ops.state === 'not_configured' ? 'not configured' : ops.state],
    ...(ops.reason ? [['Why', ops.reason]] : []),
  ]);

  const o = st.health.outbox;
  $('outbox-dot').dataset.state = o.dead > 0 || o.alarms.length ? 'warn' : 'ok';
  rows($('outbox'), [
    ['Waiting', String(o.depth)],
    ['Oldest', o.depth ? duration(o.oldest_age_s) : '—'],
    ['Dead letters', String(o.dead)],
    ...(o.alarms.length ? [['Alarms', o.alarms.join(', ')]] : []),
  ]);

  const sys = st.health.system;
  rows($('system'), [
    ['CPU temp', sys.cpu_temp_c === null ? '—' : `${sys.cpu_temp_c} °C`],
    ['Load', `${sys.load_1m} / ${sys.load_5m}`],
    ['Memory', `${sys.mem_used_pct} % (gateway ${sys.process_rss_mb} MB)`],
    ['Disk free', sys.disk_free_mb === null ? '—' : `${sys.disk_free_mb} MB`],
    ['MQTT clients', String(st.mqtt.clients)],
  ]);

  renderDevices(st.devices);
  renderInventory($('box'), $('usb'), st.inventory, isTechnician(), () => renderStatus(last));
  onTechStatus(st);
  onDeadCount(o.dead);
  const cur = history[history.length - 1];
  if (cur) cur.depth = o.depth;
  redrawChart();
}

function renderDevices(devices) {
  if (devices.length === 0) {
    $('devices').replaceChildren(
      h('p', { class: 'hint' }, 'No scanner or card reader attached. Plug one in: it appears here.'),
    );
    return;
  }
  const head = h(
    'tr',
    {},
    h('th', {}, 'Device'),
    h('th', {}, 'Profile'),
    h('th', { class: 'opt' }, 'Transport'),
    h('th', {}, 'State'),
    h('th', {}, 'Last scan'),
  );
  const body = devices.map((d) =>
    h(
      'tr',
      { dataset: { device: d.id } },
      h('td', {}, h('div', {}, d.product ?? d.id), h('div', { class: 'hint mono' }, d.id)),
      h('td', {}, d.profile),
      h('td', { class: 'opt' }, d.transport),
      h(
        'td',
        {},
        h('span', { class: 'dot', dataset: { state: d.state === 'online' ? 'up' : 'down' } }),
        ' ',
        d.state,
        d.reason ? h('div', { class: 'hint' }, d.reason) : null,
      ),
      h('td', { class: 'last-scan' }, d.last_scan_at ? ago(d.last_scan_at) : 'never'),
    ),
  );
  $('devices').replaceChildren(h('table', {}, h('thead', {}, head), h('tbody', {}, body)));
}

// Scans arrive in batches (one event per server tick). They are counted at once, drawn in the next
// animation frame (none while the tab is hidden: only the newest SCANS_SHOWN are kept meanwhile),
// at most every DRAW_GAP_MS. When more arrived between two draws than the list shows (a scanner in
// continuous mode, a bulk test), rows are replaced faster than anyone can read them: the list then
// redraws every BUSY_DRAW_GAP_MS until the rate drops, and every scan still counts in the chart. A
// person's test scan is drawn in the next frame either way. The chart is redrawn at most once a
// second (its bars are per minute), in the same frame as the list where one is due: each frame's
// style, layout and paint was most of what the page cost (bench/page-profile.ts).
const SCANS_SHOWN = 20;
const DRAW_GAP_MS = 250;
const BUSY_DRAW_GAP_MS = 1000;
const CHART_GAP_MS = 1000;
let unseen = [];
let unseenLast = {};
let dropped = 0;
let busy = false;
let drawPending = false;
let drawnAt = 0;
let chartTimer = null;
let chartAt = 0;

function redrawChart() {
  clearTimeout(chartTimer);
  chartTimer = null;
  chartAt = Date.now();
  drawChart($('chart'), history);
}

function scheduleChart() {
  if (chartTimer) return;
  chartTimer = setTimeout(redrawChart, Math.max(0, chartAt + CHART_GAP_MS - Date.now()));
}

// One frame (src/web/live.ts ScansFrame): how many scans arrived, each device's newest scan time,
// and the newest 20 of them.
function addScans({ count, last_scan: lastScan, scans }) {
  // The frame's scans count in the current minute of the chart at once.
  const now = Math.floor(Date.now() / 60000) * 60000;
  let cur = history[history.length - 1];
  if (!cur || cur.t !== now) {
    cur = { t: now, scans: 0, latency_ms: null, depth: cur?.depth ?? 0 };
    history.push(cur);
  }
  cur.scans += count;
  Object.assign(unseenLast, lastScan);
  unseen.push(...scans);
  if (count > scans.length) dropped += count - scans.length;
  if (unseen.length > SCANS_SHOWN) {
    dropped += unseen.length - SCANS_SHOWN;
    unseen = unseen.slice(-SCANS_SHOWN);
  }
  scheduleChart();
  if (!drawPending) {
    drawPending = true;
    const wait = Math.max(0, drawnAt + (busy ? BUSY_DRAW_GAP_MS : DRAW_GAP_MS) - Date.now());
    setTimeout(() => requestAnimationFrame(drawScans), wait);
  }
}

function drawScans() {
  drawPending = false;
  drawnAt = Date.now();
  busy = dropped > 0;
  dropped = 0;
  const batch = unseen;
  unseen = [];
  const lastOf = unseenLast;
  unseenLast = {};
  // A chart redraw due within this gap is drawn now: one frame's layout and paint for both.
  if (chartTimer && drawnAt - chartAt >= CHART_GAP_MS - DRAW_GAP_MS) redrawChart();
  const list = $('scans');
  $('scans-hint').hidden = true;
  list.prepend(...batch.reverse().map(scanItem));
  while (list.children.length > SCANS_SHOWN) list.lastChild.remove();
  // The devices' "last scan" without waiting for the next status (sent every few seconds).
  for (const [id, ts] of Object.entries(lastOf)) {
    const d = last?.devices.find((x) => x.id === id);
    if (d) d.last_scan_at = ts;
    const cell = document.querySelector(`#devices tr[data-device="${CSS.escape(id)}"] .last-scan`);
    if (cell) cell.textContent = ago(ts);
  }
}

function scanItem(sc) {
  const item = h(
    'li',
    { dataset: { scan: sc.id, kind: sc.kind } },
    h(
      'div',
      { class: 'meta' },
      `${time(sc.ts)} · ${sc.device_id} · ${sc.profile} · `,
      h('span', { class: 'tag' }, sc.kind),
      sc.symbology ? h('span', { class: 'tag' }, sc.symbology) : null,
    ),
  );
  if ('text' in sc) {
    // Native append() would write a null as the text "null": only the parts this scan has.
    const details = [
      h('div', { class: 'mono scan-text' }, sc.text ?? '(payment card: not shown, not stored)'),
      sc.hex ? h('div', { class: 'mono hint scan-hex' }, sc.hex) : null,
      sc.warnings.length
        ? h(
            'div',
            {},
            sc.warnings.map((w) => h('span', { class: 'tag warn' }, w)),
          )
        : null,
      sc.layout_hint ? h('div', { class: 'layout-hint' }, sc.layout_hint) : null,
    ];
    item.append(...details.filter((d) => d !== null));
  }
  return item;
}

function connect() {
  const live = $('live');
  const es = new EventSource('/api/events');
  es.addEventListener('open', () => {
    live.dataset.state = 'live';
    live.textContent = 'live';
  });
  es.addEventListener('error', () => {
    live.dataset.state = 'lost';
    live.textContent = 'reconnecting';
  });
  es.addEventListener('status', (e) => renderStatus(JSON.parse(e.data)));
  es.addEventListener('history', (e) => {
    history = JSON.parse(e.data).points;
    redrawChart();
  });
  es.addEventListener('scans', (e) => addScans(JSON.parse(e.data)));
  return es;
}

let stream = connect();
// A login changes what the stream carries (scan details): reconnect with the new session.
initTech({
  reconnect: () => {
    stream.close();
    stream = connect();
  },
  status: () => last,
});
// The chart is drawn at its container's width: redraw when that changes (phone turned).
window.addEventListener('resize', () => drawChart($('chart'), history));
// Ages ("2 min ago") move on their own.
setInterval(() => last && renderStatus(last), 10000);
