// The fleet table for a terminal (`edge-gateway fleet`): a summary line, then one row per till,
// cut to the screen. Offline tills (silent ones too) in red and stale ones in yellow when the
// terminal has colours.
import type { FleetSummary, RowQuery, TillRow } from './model.ts';

export interface RenderOptions {
  width: number;
  /** Rows available for the whole screen (header lines included); Infinity = all. */
  height: number;
  color: boolean;
  nowMs: number;
  query: RowQuery;
  broker: string;
  connected: boolean;
}

const COLUMNS = [
  'BRANCH',
  'TILL',
  'STATE',
  'LAST SEEN',
  'BACKLOG',
  'OLDEST',
  'DEAD',
  'CLOUD',
  'DEVICES',
  'VERSION',
  'ALARMS',
];

/** `42s`, `7m`, `3h`, `2d`: how long ago, at a glance. */
export function ago(iso: string | null, nowMs: number): string {
  if (iso === null) return '-';
  return duration((nowMs - Date.parse(iso)) / 1000);
}

export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

function cells(r: TillRow, nowMs: number): string[] {
  return [
    r.branch,
    r.till,
    r.silent ? 'silent' : r.state === 'online' ? (r.stale ? 'stale' : 'online') : r.state,
    ago(r.last_seen, nowMs),
    r.backlog ? String(r.backlog.depth) : '-',
    r.backlog && r.backlog.depth > 0 ? duration(r.backlog.oldest_age_s) : '-',
    r.backlog ? String(r.backlog.dead) : '-',
    r.cloud ?? '-',
    r.devices ? `${r.devices.online}/${r.devices.total}` : '-',
    r.version ?? '-',
    r.alarms.join(',') || '-',
  ];
}

export function summaryLine(s: FleetSummary): string {
  return (
    `${s.tills} tills in ${s.branches} branches · ${s.online} online · ${s.offline} offline` +
    `${s.silent ? ` (${s.silent} silent)` : ''} · ` +
    `${s.stale} stale · ${s.with_alarms} with alarms · backlog ${s.backlog}`
  );
}

export function renderTable(rows: readonly TillRow[], summary: FleetSummary, o: RenderOptions): string {
  const paint = (code: number, text: string) => (o.color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const filter = [
    `sort ${o.query.sort ?? 'branch'}`,
    `state ${o.query.state ?? 'all'}`,
    o.query.branches?.length ? `branch ${o.query.branches.join(',')}` : null,
  ]
    .filter(Boolean)
    .join(' · ');
  const head = [
    `${o.broker} ${o.connected ? '' : paint(31, '(disconnected, retrying) ')}· ${summaryLine(summary)}`,
    `${filter}${Number.isFinite(o.height) ? ' · keys: s sort, f state filter, q quit' : ''}`,
  ];
  const room = Math.max(0, o.height - head.length - 2);
  const shown = rows.slice(0, Number.isFinite(room) ? room : rows.length);
  const table = [COLUMNS, ...shown.map((r) => cells(r, o.nowMs))];
  const widths = COLUMNS.map((_c, i) => Math.max(...table.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
      .slice(0, o.width);
  const body = shown.map((r, i) => {
    const text = line(table[i + 1]!);
    if (r.state !== 'online') return paint(31, text);
    if (r.stale || r.alarms.length) return paint(33, text);
    return text;
  });
  const more = rows.length > shown.length ? [`… ${rows.length - shown.length} more`] : [];
  return [...head, '', line(COLUMNS), ...body, ...more].join('\n') + '\n';
}
