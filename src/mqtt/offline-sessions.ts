// Bounds on what the embedded broker keeps for a till that is away: Mosquitto's
// `max_queued_messages` and `persistent_client_expiration`, the aedes way. aedes' memory
// persistence queues every QoS 1 message (scans, events, health) that matches a persistent session
// (clean:false) without a bound, and keeps the session as long as the process, across broker
// restarts too (src/mqtt/sessions.ts). A till that connected once with clean:false and never came
// back (replaced, renamed, a developer's laptop) would grow the box's memory for months. So:
//  - while a session's client is offline, at most `maxQueued` events wait for it (scans, answers,
//    outcome events; state documents apart, below); one more drops the OLDEST. A connected client is never touched: aedes keeps its unacknowledged messages in
//    the same queue, and those must all arrive however slowly it acknowledges.
//  - a session offline for longer than `expiryS` is dropped with its queue and subscriptions.
//
// Why the oldest go (Mosquitto drops the newest): a till back after a long absence would otherwise
// start with the scans from the hour it left and never see the ones just made; what it gets now is
// the latest window, ending at the present, so the cashier's last scan is among it and the stale
// ones are what is missing. A till still checks a scan's `ts` before acting on it (README).
//
// Retained documents (gateway/state, gateway/info, gateway/health, devices, a device's
// availability: the registry's retained topics) are state, not events: health alone is published
// on every change and on its timer, and a till away overnight would find its cap full of healths
// and its scans pushed out. So an away session holds only the newest copy of each state topic: a
// new one removes the copy queued before it, and state copies never count towards the cap nor are
// dropped by it. Back, the till has the latest state, as a fresh subscription would give it, and
// every event the cap kept. A connected till gets every copy, as ever (aedes sends it at once).
//
// How: aedes hands every QoS 1 publish to `persistence.outgoingEnqueueCombi(subs, packet)` with
// every stored subscription that matches, connected or not (aedes.js `enqueueOffline`); only that
// method is wrapped. It queues one copy per client (src/mqtt/one-copy.ts), tells the tills logging
// in what was queued for them (src/mqtt/replay.ts), and while no session is offline calls straight
// through (two size checks on a scan's path). For an offline session it keeps the identity (broker
// id and counter: aedes copies both into each queue) of every queued event, oldest first, and of
// each state topic's one copy; from the queue at the disconnect (read once) on, as aedes changes
// that queue only while the client is connected. A packet is removed by that identity
// (`removeQueued`, below), so which one goes is exact whatever else waits around it.
import type { Logger } from '../log.ts';
import { onePerClient } from './one-copy.ts';
import { type ReplayEvents, type Replays, trackReplays } from './replay.ts';
import { dropSession, type SessionOwner, type SessionStore } from './sessions.ts';
import { TOPICS } from './topics.ts';

export interface OfflineLimits {
  /** Events kept for an offline session (what was unacknowledged when it left counts too). */
  maxQueued: number;
  /** Seconds a session may stay offline before it is dropped; 0 = never. */
  expiryS: number;
}

export interface OfflineStats {
  /** Persistent sessions whose client is away now. */
  sessions: number;
  /** Messages waiting for them: events, and the one copy of each state document. */
  queued: number;
  /** Events dropped because a session's queue was full, since the process started. */
  dropped: number;
  /** Sessions dropped because they were offline too long, since the process started. */
  expired: number;
}

/** The broker events this listens to (aedes: a client registered, a registered client gone). */
interface ClientEvents {
  on(
    event: 'client' | 'clientDisconnect',
    listener: (client: { id: string; clean: boolean }) => void,
  ): unknown;
  off(
    event: 'client' | 'clientDisconnect',
    listener: (client: { id: string; clean: boolean }) => void,
  ): unknown;
}
type BrokerEvents = ClientEvents & ReplayEvents;

export interface OfflineSessions {
  /**
   * Follows one broker's clients, with its settings (a restart may bring new ones), and checks
   * expiry on a coarse timer; returns the undo.
   */
  attach(
    broker: BrokerEvents,
    owners: Map<string, SessionOwner>,
    limits: OfflineLimits,
    log: Logger,
  ): () => void;
  /** Drops the sessions offline longer than the expiry at `now` (performance.now() time); their ids. */
  sweep(now?: number): Promise<string[]>;
  /** A session dropped elsewhere (src/mqtt/sessions.ts) is no longer counted. */
  forget(id: string): void;
  stats(): OfflineStats;
  /** Tills coming back: their queue first, then live (`begin` at each login). */
  readonly replays: Pick<Replays, 'begin'>;
}

/** What aedes copies from a published packet into every queue it lands in, and the queue keeps. */
interface Queued {
  topic: string;
  retain?: boolean;
  brokerId: string;
  brokerCounter: number;
}

/** One queued packet, as aedes-persistence finds it again: by broker id and counter. */
interface Ref {
  brokerId: string;
  brokerCounter: number;
}

interface Away {
  /** performance.now() when it went: monotonic, as the Pi has no clock until NTP sets it. */
  since: number;
  /** Queued events, oldest first, from `at` on: two arrays of plain values, not one object each. */
  ids: string[];
  counters: number[];
  at: number;
  /** The one queued copy of each state topic. */
  state: Map<string, Ref>;
  /** The queue at the disconnect is read: until then what comes is counted, never dropped. */
  read: boolean;
  /** Dropped in this absence: the first one is logged, the total when the till is back. */
  dropped: number;
}

interface Sub {
  clientId: string;
}

interface QueueStore extends SessionStore {
  outgoingEnqueueCombi(subs: Sub[], packet: unknown): Promise<void>;
  outgoingUpdate(client: { id: string }, packet: Ref & { messageId: number }): Promise<void>;
}

/** A registry pattern as a regular expression: `{x}` one level, `{x*}` one or more. */
const levelsOf = (pattern: string) =>
  pattern
    .split('/')
    .map((level) => {
      if (/^\{\w+\*\}$/.test(level)) return '.+';
      if (/^\{\w+\}$/.test(level)) return '[^/]+';
      return level.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');

/**
 * The registry's retained till topics, matched at the end of a topic: one pattern for every till
 * base (a login may serve another till's base). Built from TOPICS, so a topic made retained there
 * is state here too.
 */
const STATE_TOPIC = new RegExp(
  `/(?:${Object.values(TOPICS)
    .filter((t) => t.retain && t.direction === 'box_to_till')
    .map((t) => levelsOf(t.pattern))
    .join('|')})$`,
);

/** A state document: published retained (the registry's flag, src/mqtt/publish.ts) on a retained topic. */
function isStateMessage(packet: { topic: string; retain?: boolean }): boolean {
  // The flag first: a scan (never retained) is not matched against the pattern.
  return packet.retain === true && STATE_TOPIC.test(packet.topic);
}

/** Wraps `persistence` (aedes' memory persistence) once; the result goes with it to the next broker. */
export function trackOfflineSessions(persistence: unknown): OfflineSessions {
  const store = persistence as QueueStore;
  const away = new Map<string, Away>();
  const totals = { dropped: 0, expired: 0 };
  let maxQueued = Number.POSITIVE_INFINITY;
  let expiryS = 0;
  let owners = new Map<string, SessionOwner>();
  let log: Logger | undefined;
  // Sweeps run one after the other: the timer may fire while a drop is still under way.
  let sweeps: Promise<unknown> = Promise.resolve();
  // Marks for removeQueued, counting down from -1: never a packet id (1–65535), never used twice.
  let mark = 0;

  const offlineS = (s: Away, now = performance.now()) => Math.round((now - s.since) / 1000);

  /**
   * Removes one packet from a client's queue. aedes-persistence removes only by message id (the
   * first packet with the id asked for), and a packet queued while the client was away has none
   * yet. But `outgoingUpdate` finds a packet by broker id and counter and sets its message id: so
   * the packet gets a mark no other packet can have, and the mark is cleared. Both calls at once,
   * not one after the other's promise: the memory persistence does each call's work when called,
   * and two copies of one packet (a till subscribed twice over, e.g. `<base>/#` and `<base>/scan`)
   * must each get their own mark before the next removal looks for that identity.
   */
  const removeQueued = (id: string, ref: Ref) => {
    const client = { id };
    const messageId = --mark;
    const notRemoved = (err: unknown) =>
      log?.debug('mqtt offline message not removed', { client_id: id, error: err });
    store
      .outgoingUpdate(client, { brokerId: ref.brokerId, brokerCounter: ref.brokerCounter, messageId })
      .catch(notRemoved);
    store.outgoingClearMessageId(client, { messageId }).catch(notRemoved);
  };

  /** Drops the oldest events beyond the cap; state copies stay. */
  const trim = (id: string, s: Away) => {
    if (!s.read || s.counters.length - s.at <= maxQueued || away.get(id) !== s) return;
    const first = s.dropped === 0;
    for (let n = s.counters.length - s.at - maxQueued; n > 0; n--) {
      removeQueued(id, { brokerId: s.ids[s.at]!, brokerCounter: s.counters[s.at]! });
      s.at++;
      s.dropped++;
      totals.dropped++;
    }
    // The dropped part goes now and then, not on every drop: each splice moves what is left.
    if (s.at >= 1024 && s.at * 2 >= s.counters.length) {
      s.ids.splice(0, s.at);
      s.counters.splice(0, s.at);
      s.at = 0;
    }
    if (first) {
      log?.warn('mqtt offline queue full: dropping the oldest messages', {
        client_id: id,
        user: owners.get(id)?.username,
        max_queued_messages: maxQueued,
        offline_s: offlineS(s),
      });
    }
  };

  /** A state copy now queued for an away session: the one queued before it (if any) goes. */
  const keepNewest = (id: string, s: Away, topic: string, ref: Ref) => {
    const older = s.state.get(topic);
    s.state.set(topic, ref);
    if (older !== undefined) removeQueued(id, older);
  };

  const replays = trackReplays(removeQueued, store);
  const enqueue = store.outgoingEnqueueCombi.bind(store);
  store.outgoingEnqueueCombi = (matched, packet) => {
    const subs = onePerClient(matched);
    if (replays.loggingIn !== 0) replays.queued(subs, packet as Ref);
    if (away.size === 0) return enqueue(subs, packet);
    const queued = enqueue(subs, packet);
    const p = packet as Queued;
    // One reference for every away session a state document is queued for.
    const state = isStateMessage(p) ? { brokerId: p.brokerId, brokerCounter: p.brokerCounter } : undefined;
    let full: string[] | undefined;
    for (const sub of subs) {
      const s = away.get(sub.clientId);
      if (s === undefined) continue;
      if (state !== undefined) {
        keepNewest(sub.clientId, s, p.topic, state);
        continue;
      }
      s.ids.push(p.brokerId);
      s.counters.push(p.brokerCounter);
      if (!s.read || s.counters.length - s.at <= maxQueued) continue;
      if (full === undefined) full = [sub.clientId];
      else full.push(sub.clientId);
    }
    if (full === undefined) return queued;
    // Once the packet is in: the oldest it pushes out may be the one before it.
    return queued.then(() => {
      for (const id of full) {
        const s = away.get(id);
        if (s !== undefined) trim(id, s);
      }
    });
  };

  /** The queue at the disconnect (the sent but unacknowledged, and what was not sent yet). */
  const readQueue = async (id: string, s: Away) => {
    const ids: string[] = [];
    const counters: number[] = [];
    const state = new Map<string, Ref>();
    try {
      for await (const packet of store.outgoingStream({ id }) as AsyncIterable<Queued>) {
        const ref = { brokerId: packet.brokerId, brokerCounter: packet.brokerCounter };
        if (!isStateMessage(packet)) {
          ids.push(ref.brokerId);
          counters.push(ref.brokerCounter);
          continue;
        }
        const older = state.get(packet.topic);
        state.set(packet.topic, ref);
        if (older !== undefined && away.get(id) === s) removeQueued(id, older);
      }
    } catch (err) {
      log?.debug('mqtt offline queue not read', { client_id: id, error: err });
    }
    if (away.get(id) !== s) return; // back already, or dropped
    // All of it came before what was queued while it was read: a copy from then is the newer.
    for (const [topic, ref] of state) {
      if (s.state.has(topic)) removeQueued(id, ref);
      else s.state.set(topic, ref);
    }
    s.ids = ids.concat(s.ids);
    s.counters = counters.concat(s.counters);
    s.read = true;
    trim(id, s);
  };

  const gone = (client: { id: string; clean: boolean }) => {
    if (client.clean) return; // a clean session ends with its connection
    const s: Away = {
      since: performance.now(),
      ids: [],
      counters: [],
      at: 0,
      state: new Map(),
      read: false,
      dropped: 0,
    };
    away.set(client.id, s);
    // outgoingStream copies the queue when called: what is enqueued after it is counted above.
    void readQueue(client.id, s);
  };
  const back = (client: { id: string }) => {
    const s = away.get(client.id);
    if (s === undefined) return;
    away.delete(client.id);
    if (s.dropped > 0) {
      log?.info('mqtt session back after dropped messages', {
        client_id: client.id,
        dropped: s.dropped,
        offline_s: offlineS(s),
      });
    }
  };

  const waiting = (s: Away) => s.counters.length - s.at + s.state.size;

  const sweepOnce = async (now: number) => {
    const expired: string[] = [];
    if (expiryS === 0) return expired;
    for (const [id, s] of away) {
      if (now - s.since < expiryS * 1000) continue;
      away.delete(id);
      const user = owners.get(id)?.username;
      // The client id is free for any login again, as after a clean session.
      owners.delete(id);
      await dropSession(store, id);
      totals.expired++;
      expired.push(id);
      log?.info('mqtt session expired', {
        client_id: id,
        user,
        offline_s: offlineS(s, now),
        dropped_messages: waiting(s),
        session_expiry_s: expiryS,
      });
    }
    return expired;
  };
  const sweep = (now = performance.now()) => {
    const run = sweeps.then(() => sweepOnce(now));
    sweeps = run.catch(() => undefined);
    return run;
  };

  return {
    attach(broker, brokerOwners, limits, brokerLog) {
      owners = brokerOwners;
      log = brokerLog;
      ({ maxQueued, expiryS } = limits);
      for (const [id, s] of away) trim(id, s); // a lower cap applies to those already away
      broker.on('clientDisconnect', gone);
      broker.on('client', back);
      const detachReplays = replays.attach(broker);
      // A coarse check: a few per expiry period, at most one a minute, none on any message's path.
      const everyMs = Math.min(60_000, Math.max(1000, (expiryS * 1000) / 4));
      const timer =
        expiryS === 0
          ? undefined
          : setInterval(() => {
              sweep().catch((err: unknown) => log?.error('mqtt session expiry failed', { error: err }));
            }, everyMs).unref();
      return () => {
        clearInterval(timer);
        detachReplays();
        broker.off('clientDisconnect', gone);
        broker.off('client', back);
      };
    },
    sweep,
    forget(id) {
      away.delete(id);
    },
    replays,
    stats() {
      let queued = 0;
      for (const s of away.values()) queued += waiting(s);
      return { sessions: away.size, queued, ...totals };
    },
  };
}
