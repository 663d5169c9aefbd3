// The ops uplink part (DESIGN §8): reports this box to the central broker under
// `<prefix>/<branch>/<till>/…` — `state` (retained, Last Will offline), `health` (retained, every
// interval and on change), `inventory` (retained), `events` (alarms). It never holds up the till:
// nothing here is awaited on a till's path, and while the broker is away the latest health and
// inventory simply replace the previous ones (latest value wins) and events wait in a small
// bounded buffer, all published again on reconnect.
import { randomUUID } from 'node:crypto';
import type { Settings } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import {
  UPLINK_TOPICS,
  type UplinkEvent,
  type UplinkHealth,
  type UplinkInventory,
  type UplinkTopicName,
  uplinkBase,
  uplinkTopicOf,
} from '../mqtt/topics.ts';
import { alarmConditions, createAlarmTracker } from './alarms.ts';
import { connectUplink, type UplinkConnection, type UplinkStatus } from './connection.ts';
import type { healthDocument } from './health.ts';
import { redactUrl, uplinkLogin } from './login.ts';
import type { PreviousRun } from './run-marker.ts';

export type UplinkState = UplinkStatus['state'] | 'disabled';
export type UplinkReport = Omit<UplinkStatus, 'state'> & { state: UplinkState };

export interface UplinkOptions {
  settings: Pick<Settings, 'till_id' | 'branch_id' | 'uplink' | 'outbox'>;
  version: string;
  logger: Logger;
  /** The previous run ended without a clean stop: reported once as `restarted_after_crash`. */
  previousRun?: PreviousRun | null;
  /** Bound of the event buffer while the broker is away (oldest dropped first, and counted). */
  maxQueuedEvents?: number;
}

export interface Uplink {
  /** The box's newest health (same document as the local `gateway/health`); latest value wins. */
  health(doc: ReturnType<typeof healthDocument>): void;
  inventory(doc: UplinkInventory): void;
  status(): UplinkReport;
  onStatus(listener: (status: UplinkReport) => void): void;
  stop(): Promise<void>;
}

const OFFLINE = JSON.stringify({ state: 'offline' });

export function startUplink(opts: UplinkOptions): Uplink {
  const { settings, logger: log } = opts;
  const cfg = settings.uplink;
  const listeners: ((s: UplinkReport) => void)[] = [];
  const disabled = (reason: string | null): Uplink => {
    const report: UplinkReport = {
      state: 'disabled',
      url: cfg.url ? redactUrl(cfg.url) : '',
      connected_since: null,
      last_error: reason ? { code: 'config', message: reason, reason, at: new Date().toISOString() } : null,
      connects: 0,
    };
    return {
      health() {},
      inventory() {},
      status: () => ({ ...report }),
      onStatus() {},
      stop: async () => {},
    };
  };
  const login = uplinkLogin(settings);
  if (!login.ok) {
    if (login.code === 'not_configured') return disabled(null);
    // The till is served regardless; ops will see the box missing and the journal says why.
    log.error('uplink CA file unreadable; the uplink stays off', {
      ca_file: cfg.ca_file,
      reason: login.reason,
    });
    return disabled(login.reason);
  }

  // Half the keepalive by default: a fleet view that misses two in a row shows the box offline
  // within one keepalive of its last sign of life, where the broker's own check (1.5 × keepalive,
  // and Mosquitto overshoots it) would take longer. Between healths they also stand in for the
  // MQTT pings, which mqtt.js skips while the connection carries other packets.
  const heartbeatS = cfg.heartbeat_s ?? cfg.keepalive_s / 2;
  const ONLINE = JSON.stringify(
    heartbeatS > 0 ? { state: 'online', heartbeat_s: heartbeatS } : { state: 'online' },
  );
  const base = uplinkBase(cfg.topic_prefix, settings.branch_id, settings.till_id);
  const topic = (name: UplinkTopicName) => uplinkTopicOf(base, name);
  const alarms = createAlarmTracker();
  const thresholds = {
    maxDepth: settings.outbox.max_depth,
    depthWarn: settings.outbox.warn_depth,
    ageWarnS: settings.outbox.warn_age_s,
    diskLowFreePct: cfg.disk_low_free_pct,
  };

  // Retained topics hold one value each: the newest, sent once per connection and again on change.
  interface Slot {
    value?: string;
    dirty: boolean;
    inflight: boolean;
  }
  const slots: Record<'state' | 'health' | 'inventory', Slot> = {
    state: { value: ONLINE, dirty: true, inflight: false },
    health: { dirty: false, inflight: false },
    inventory: { dirty: false, inflight: false },
  };
  const events: UplinkEvent[] = [];
  const maxEvents = opts.maxQueuedEvents ?? 200;
  let dropped = 0;
  let eventsInflight = false;
  let beats = 0;
  // QoS 0 and never queued: a heartbeat that cannot go now means nothing later.
  const heartbeat =
    heartbeatS > 0
      ? setInterval(() => {
          if (!conn.isConnected()) return;
          conn.publish(topic('heartbeat'), `{"seq":${beats++}}`, { qos: 0, retain: false }).catch(() => {});
        }, heartbeatS * 1000)
      : undefined;

  const flushSlot = (name: keyof typeof slots) => {
    const s = slots[name];
    if (!s.dirty || s.inflight || s.value === undefined || !conn.isConnected()) return;
    s.dirty = false;
    s.inflight = true;
    const def = UPLINK_TOPICS[name];
    conn.publish(topic(name), s.value, { qos: def.qos, retain: def.retain }).then(
      () => {
        s.inflight = false;
        flushSlot(name); // a newer value may have come in meanwhile
      },
      () => {
        // Not retried here (a broker that refuses it would loop): sent again on the next connect.
        s.inflight = false;
        s.dirty = true;
      },
    );
  };

  const flushEvents = () => {
    if (eventsInflight || events.length === 0 || !conn.isConnected()) return;
    eventsInflight = true;
    const next = events[0]!;
    conn.publish(topic('events'), JSON.stringify(next), { qos: 1, retain: false }).then(
      () => {
        eventsInflight = false;
        if (events[0] === next) events.shift();
        flushEvents();
      },
      () => {
        eventsInflight = false; // kept at the head; sent on the next connect
      },
    );
  };

  const emit = (e: Omit<UplinkEvent, 'id' | 'ts'>) => {
    const event: UplinkEvent = { id: randomUUID(), ts: new Date().toISOString(), ...e };
    events.push(event);
    while (events.length > maxEvents) {
      events.shift();
      dropped++;
    }
    if (dropped > 0) {
      events[0]!.dropped_before = (events[0]!.dropped_before ?? 0) + dropped;
      dropped = 0;
    }
    flushEvents();
  };

  const conn: UplinkConnection = connectUplink({
    login: login.login,
    keepaliveS: cfg.keepalive_s,
    will: { topic: topic('state'), payload: OFFLINE },
    backoff: { minMs: cfg.reconnect_min_ms, maxMs: cfg.reconnect_max_ms },
    logger: log,
    onConnect() {
      // The broker may have lost its retained messages (restart without persistence): all again.
      for (const s of Object.values(slots)) s.dirty = s.value !== undefined;
      beats = 0;
      flushSlot('state');
      flushSlot('inventory');
      flushSlot('health');
      flushEvents();
    },
    onStatus(s) {
      for (const l of listeners) l(s);
    },
  });

  if (opts.previousRun) {
    emit({
      code: 'restarted_after_crash',
      state: 'once',
      severity: 'warning',
      message: `the gateway restarted after an unclean stop (previous run started ${opts.previousRun.started_at ?? 'at an unknown time'})`,
    });
  }

  return {
    health(doc) {
      const h: UplinkHealth = {
        ts: new Date().toISOString(),
        version: opts.version,
        interval_s: cfg.health_interval_s,
        ...doc,
      };
      slots.health.value = JSON.stringify(h);
      slots.health.dirty = true;
      flushSlot('health');
      const { raised, cleared } = alarms.update(alarmConditions(h, thresholds));
      for (const c of raised) emit({ ...c, state: 'raised' });
      for (const c of cleared) emit({ ...c, state: 'cleared', severity: 'info' });
    },
    inventory(doc) {
      slots.inventory.value = JSON.stringify(doc);
      slots.inventory.dirty = true;
      flushSlot('inventory');
    },
    status: () => conn.status(),
    onStatus: (l) => listeners.push(l),
    stop: () => {
      clearInterval(heartbeat);
      return conn.stop({ topic: topic('state'), payload: OFFLINE });
    },
  };
}
