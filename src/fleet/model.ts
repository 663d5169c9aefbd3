// The fleet as ops see it (DESIGN §8): every till of every branch, built from what the boxes
// publish on the central broker — retained `state` and `health` (so a view started now knows the
// whole fleet at once), live `events` and `heartbeat`. A box that said it sends heartbeats and then
// goes quiet for two of them is shown offline ("silent") at once: a hung box or one whose network
// vanished without a FIN keeps its connection open on the broker, whose keepalive check fires the
// Last Will only 1.5 × keepalive after its last packet (Mosquitto later still). Parsed with the topic registry's schemas; a payload that
// does not parse is counted, never fatal. Pure apart from the clock passed in.
import {
  parseUplinkTopic,
  type UplinkHealth,
  uplinkEventSchema,
  uplinkHealthSchema,
  uplinkHeartbeatSchema,
  uplinkStateSchema,
} from '../mqtt/topics.ts';

export type TillState = 'online' | 'offline' | 'unknown';

export interface TillRow {
  branch: string;
  till: string;
  /** `offline` also when silent: what ops act on. */
  state: TillState;
  /** Reported online, but nothing heard for two heartbeats: hung or cut off (the broker has not
   * fired its Last Will yet). Shown and counted as offline. */
  silent: boolean;
  /** Online and heard, but no health for more than 2.5 health intervals (its health is stuck). */
  stale: boolean;
  /** The box's newest message: its health's time, or when the view heard it live. */
  last_seen: string | null;
  version: string | null;
  backlog: { depth: number; oldest_age_s: number; dead: number } | null;
  cloud: 'up' | 'down' | 'unknown' | null;
  devices: { online: number; total: number } | null;
  /** Active alarms: outbox watermarks from health and conditions raised by events. */
  alarms: string[];
}

/** What a row needs of a health, kept instead of the whole document: 10,000 tills in little memory. */
interface HealthFacts {
  version: string;
  intervalS: number;
  depth: number;
  oldestAgeS: number;
  dead: number;
  alarms: string[];
  cloud: UplinkHealth['cloud']['state'];
  devicesOnline: number;
  devicesTotal: number;
}

interface Entry {
  branch: string;
  till: string;
  /** As the box (or its Last Will) reported it. */
  state: TillState;
  /** From its `online` state: heartbeats are due this often; null = it sends none. */
  heartbeatS: number | null;
  /** Last live message, or when this view (re)started listening: what silence is counted from. */
  heardMs: number | null;
  /** Silent at the last `tick`: a change bumps the version. */
  silent: boolean;
  /** This view has had a heartbeat from it: only then is silence judged. A broker whose ACL lacks
   * the heartbeat topic drops them all, and must not make every box look dead. */
  beating: boolean;
  lastSeenMs: number | null;
  health: HealthFacts | null;
  healthAtMs: number | null;
  raised: Map<string, string> | null;
}

const NO_ALARMS: string[] = [];

function factsOf(h: UplinkHealth): HealthFacts {
  let online = 0;
  for (const d of h.devices) if (d.state === 'online') online++;
  return {
    version: h.version,
    intervalS: h.interval_s,
    depth: h.outbox.depth,
    oldestAgeS: h.outbox.oldest_age_s,
    dead: h.outbox.dead,
    alarms: h.outbox.alarms.length ? h.outbox.alarms : NO_ALARMS,
    cloud: h.cloud.state,
    devicesOnline: online,
    devicesTotal: h.devices.length,
  };
}

export type SortKey = 'branch' | 'till' | 'state' | 'last_seen' | 'backlog' | 'age';
export const SORT_KEYS: readonly SortKey[] = ['branch', 'state', 'backlog', 'age', 'last_seen', 'till'];
export type StateFilter = 'all' | 'online' | 'offline' | 'silent' | 'stale' | 'alarm';
export const STATE_FILTERS: readonly StateFilter[] = ['all', 'offline', 'silent', 'stale', 'alarm', 'online'];

export interface RowQuery {
  /** Branch ids to show (empty = all). */
  branches?: readonly string[];
  state?: StateFilter;
  sort?: SortKey;
}

export interface FleetSummary {
  tills: number;
  branches: number;
  online: number;
  /** Includes the silent ones. */
  offline: number;
  silent: number;
  stale: number;
  with_alarms: number;
  backlog: number;
  invalid_messages: number;
}

export interface FleetModel {
  /** One message from the broker; `retained` messages tell the past, others now. */
  apply(topic: string, payload: Buffer | string, retained: boolean, nowMs: number): void;
  rows(query: RowQuery, nowMs: number): TillRow[];
  /** One till's row, or null when the view does not know it. */
  row(branch: string, till: string, nowMs: number): TillRow | null;
  summary(nowMs: number): FleetSummary;
  /**
   * Judges silence at `nowMs` (call it on every redraw): a till that went silent, or spoke again,
   * bumps the version. Returns how many changed.
   */
  tick(nowMs: number): number;
  /** The view's own link: while it is down nobody is judged silent, and on its return every till
   * gets a fresh start (what it missed meanwhile is unknown). */
  link(up: boolean, nowMs: number): void;
  /** Bumped on every change: a view redraws only when it moved. */
  readonly version: number;
  readonly size: number;
}

/** Heartbeats missed before a till is shown silent: one may be late on a loaded box or broker. */
export const SILENT_AFTER_BEATS = 2;

export function createFleetModel(opts: { prefix: string }): FleetModel {
  const tills = new Map<string, Entry>();
  let invalid = 0;
  let version = 0;
  let linkUp = true;

  const entry = (branch: string, till: string): Entry => {
    const key = `${branch}/${till}`;
    let e = tills.get(key);
    if (!e) {
      e = {
        branch,
        till,
        state: 'unknown',
        heartbeatS: null,
        heardMs: null,
        silent: false,
        beating: false,
        lastSeenMs: null,
        health: null,
        healthAtMs: null,
        raised: null,
      };
      tills.set(key, e);
    }
    return e;
  };
  const seen = (e: Entry, ms: number) => {
    if (e.lastSeenMs === null || ms > e.lastSeenMs) e.lastSeenMs = ms;
  };
  const parseJson = (payload: Buffer | string): unknown => {
    try {
      return JSON.parse(payload.toString());
    } catch {
      return undefined;
    }
  };

  const isSilent = (e: Entry, nowMs: number) =>
    linkUp &&
    e.state === 'online' &&
    e.heartbeatS !== null &&
    e.beating &&
    e.heardMs !== null &&
    nowMs - e.heardMs > SILENT_AFTER_BEATS * e.heartbeatS * 1000;
  const heard = (e: Entry, nowMs: number) => {
    e.heardMs = nowMs;
    seen(e, nowMs);
    // Back from silence: shown online again at once, not at the next tick.
    if (e.silent) {
      e.silent = false;
      version++;
    }
  };

  const isStale = (e: Entry, nowMs: number) =>
    e.state === 'online' &&
    !isSilent(e, nowMs) &&
    e.health !== null &&
    e.healthAtMs !== null &&
    nowMs - e.healthAtMs > e.health.intervalS * 2500;

  const toRow = (e: Entry, nowMs: number): TillRow => {
    const h = e.health;
    const alarms = new Set<string>(h?.alarms ?? NO_ALARMS);
    for (const code of e.raised?.values() ?? []) alarms.add(code);
    const silent = isSilent(e, nowMs);
    return {
      branch: e.branch,
      till: e.till,
      state: silent ? 'offline' : e.state,
      silent,
      stale: isStale(e, nowMs),
      last_seen: e.lastSeenMs === null ? null : new Date(e.lastSeenMs).toISOString(),
      version: h?.version ?? null,
      backlog: h ? { depth: h.depth, oldest_age_s: h.oldestAgeS, dead: h.dead } : null,
      cloud: h?.cloud ?? null,
      devices: h ? { online: h.devicesOnline, total: h.devicesTotal } : null,
      alarms: [...alarms].sort(),
    };
  };

  const STATE_ORDER: Record<TillState, number> = { offline: 0, unknown: 1, online: 2 };
  const byName = (a: TillRow, b: TillRow) =>
    a.branch < b.branch ? -1 : a.branch > b.branch ? 1 : a.till < b.till ? -1 : a.till > b.till ? 1 : 0;
  const comparators: Record<SortKey, (a: TillRow, b: TillRow) => number> = {
    branch: byName,
    till: (a, b) => (a.till < b.till ? -1 : a.till > b.till ? 1 : byName(a, b)),
    state: (a, b) =>
      STATE_ORDER[a.state] - STATE_ORDER[b.state] || Number(b.stale) - Number(a.stale) || byName(a, b),
    last_seen: (a, b) => (a.last_seen ?? '').localeCompare(b.last_seen ?? '') || byName(a, b),
    backlog: (a, b) => (b.backlog?.depth ?? -1) - (a.backlog?.depth ?? -1) || byName(a, b),
    age: (a, b) => (b.backlog?.oldest_age_s ?? -1) - (a.backlog?.oldest_age_s ?? -1) || byName(a, b),
  };
  const matches = (r: TillRow, f: StateFilter) =>
    f === 'all' ||
    (f === 'online' && r.state === 'online' && !r.stale) ||
    (f === 'offline' && r.state !== 'online') ||
    (f === 'stale' && r.stale) ||
    (f === 'silent' && r.silent) ||
    (f === 'alarm' && r.alarms.length > 0);

  return {
    get version() {
      return version;
    },
    get size() {
      return tills.size;
    },
    tick(nowMs) {
      let changed = 0;
      for (const e of tills.values()) {
        const silent = isSilent(e, nowMs);
        if (silent !== e.silent) {
          e.silent = silent;
          changed++;
        }
      }
      if (changed) version++;
      return changed;
    },
    link(up, nowMs) {
      if (up === linkUp) return;
      linkUp = up;
      if (up) for (const e of tills.values()) e.heardMs = nowMs;
      else for (const e of tills.values()) e.silent = false;
      version++;
    },
    apply(topic, payload, retained, nowMs) {
      const t = parseUplinkTopic(opts.prefix, topic);
      if (!t) return;
      // An empty retained message clears a topic (a decommissioned box): forget the till.
      if (payload.length === 0) {
        if (t.name === 'state' && tills.delete(`${t.branch}/${t.till}`)) version++;
        return;
      }
      const body = parseJson(payload);
      if (t.name === 'state') {
        const s = uplinkStateSchema.safeParse(body);
        if (!s.success) return void invalid++;
        const e = entry(t.branch, t.till);
        e.state = s.data.state;
        e.heartbeatS = s.data.state === 'online' ? (s.data.heartbeat_s ?? null) : null;
        // A retained state starts the count too: from here on this view expects heartbeats.
        e.heardMs = nowMs;
        e.silent = false;
        if (!retained) seen(e, nowMs);
        version++;
      } else if (t.name === 'heartbeat') {
        // The commonest message of a big fleet: no new row, and no version bump unless it ends a silence.
        const e = tills.get(`${t.branch}/${t.till}`);
        if (!uplinkHeartbeatSchema.safeParse(parseJson(payload)).success) return void invalid++;
        if (!e) return;
        e.beating = true;
        heard(e, nowMs);
      } else if (t.name === 'health') {
        const h = uplinkHealthSchema.safeParse(body);
        if (!h.success) return void invalid++;
        const e = entry(t.branch, t.till);
        const ts = Date.parse(h.data.ts);
        e.health = factsOf(h.data);
        // A retained health is as old as the box says; a live one is as new as now.
        e.healthAtMs = retained && Number.isFinite(ts) ? Math.min(ts, nowMs) : nowMs;
        if (retained) seen(e, e.healthAtMs);
        else heard(e, nowMs);
        version++;
      } else if (t.name === 'events') {
        const ev = uplinkEventSchema.safeParse(body);
        if (!ev.success) return void invalid++;
        const e = entry(t.branch, t.till);
        const key = `${ev.data.code}\u0000${ev.data.subject ?? ''}`;
        if (ev.data.state === 'raised') {
          e.raised ??= new Map();
          e.raised.set(key, ev.data.code);
        } else if (ev.data.state === 'cleared') e.raised?.delete(key);
        if (!retained) heard(e, nowMs);
        version++;
      }
    },
    row(branch, till, nowMs) {
      const e = tills.get(`${branch}/${till}`);
      return e ? toRow(e, nowMs) : null;
    },
    rows(query, nowMs) {
      const branches = query.branches?.length ? new Set(query.branches) : null;
      const out: TillRow[] = [];
      for (const e of tills.values()) {
        if (branches && !branches.has(e.branch)) continue;
        const r = toRow(e, nowMs);
        if (matches(r, query.state ?? 'all')) out.push(r);
      }
      return out.sort(comparators[query.sort ?? 'branch']);
    },
    summary(nowMs) {
      const s: FleetSummary = {
        tills: tills.size,
        branches: 0,
        online: 0,
        offline: 0,
        silent: 0,
        stale: 0,
        with_alarms: 0,
        backlog: 0,
        invalid_messages: invalid,
      };
      const branches = new Set<string>();
      for (const e of tills.values()) {
        branches.add(e.branch);
        const silent = isSilent(e, nowMs);
        if (e.state === 'online' && !silent) s.online++;
        else s.offline++;
        if (silent) s.silent++;
        if (isStale(e, nowMs)) s.stale++;
        if ((e.health?.alarms.length ?? 0) > 0 || (e.raised?.size ?? 0) > 0) s.with_alarms++;
        s.backlog += e.health?.depth ?? 0;
      }
      s.branches = branches.size;
      return s;
    },
  };
}
