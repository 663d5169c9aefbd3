// Bounds on what the embedded broker keeps for a till that is away: Mosquitto's
// `max_queued_messages` and `persistent_client_expiration`, the aedes way. aedes' memory
// persistence queues every QoS 1 message (scans, events, health) that matches a persistent session
// (clean:false) without a bound, and keeps the session as long as the process, across broker
// restarts too (src/mqtt/sessions.ts). A till that connected once with clean:false and never came
// back (replaced, renamed, a developer's laptop) would grow the box's memory for months. So:
//  - while a session's client is offline, at most `maxQueued` messages wait for it; one more drops
//    the OLDEST. A connected client is never touched: aedes keeps its unacknowledged messages in
//    the same queue, and those must all arrive however slowly it acknowledges.
//  - a session offline for longer than `expiryS` is dropped with its queue and subscriptions.
//
// Why the oldest go (Mosquitto drops the newest): a till back after a long absence would otherwise
// start with the scans from the hour it left and never see the ones just made; what it gets now is
// the latest window, ending at the present, so the cashier's last scan is among it and the stale
// ones are what is missing. A till still checks a scan's `ts` before acting on it (README).
//
// How: aedes hands every QoS 1 publish to `persistence.outgoingEnqueueCombi(subs, packet)` with
// every stored subscription that matches, connected or not (aedes.js `enqueueOffline`); only that
// method is wrapped. While no session is offline it calls straight through (one size check on a
// scan's path). An offline session's count is its queue when it went (read once, at the
// disconnect) plus what came since: aedes changes that queue only while the client is connected,
// so the count stays exact without reading the queue again.
import type { Logger } from '../log.ts';
import { dropSession, type SessionOwner, type SessionStore } from './sessions.ts';

export interface OfflineLimits {
  /** Messages kept for an offline session (what was unacknowledged when it left counts too). */
  maxQueued: number;
  /** Seconds a session may stay offline before it is dropped; 0 = never. */
  expiryS: number;
}

export interface OfflineStats {
  /** Persistent sessions whose client is away now. */
  sessions: number;
  /** Messages waiting for them. */
  queued: number;
  /** Messages dropped because a session's queue was full, since the process started. */
  dropped: number;
  /** Sessions dropped because they were offline too long, since the process started. */
  expired: number;
}

/** The broker events this listens to (aedes: a client registered, a registered client gone). */
interface BrokerEvents {
  on(
    event: 'client' | 'clientDisconnect',
    listener: (client: { id: string; clean: boolean }) => void,
  ): unknown;
  off(
    event: 'client' | 'clientDisconnect',
    listener: (client: { id: string; clean: boolean }) => void,
  ): unknown;
}

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
}

interface Away {
  /** performance.now() when it went: monotonic, as the Pi has no clock until NTP sets it. */
  since: number;
  queued: number;
  /** Message ids of the queue as it was at the disconnect, oldest first; null while being read. */
  head: (number | undefined)[] | null;
  /** How much of `head` is dropped already. */
  at: number;
  /** Dropped in this absence: the first one is logged, the total when the till is back. */
  dropped: number;
}

interface Sub {
  clientId: string;
}

interface QueueStore extends SessionStore {
  outgoingEnqueueCombi(subs: Sub[], packet: unknown): Promise<void>;
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

  const offlineS = (s: Away, now = performance.now()) => Math.round((now - s.since) / 1000);

  /** Drops the oldest beyond the cap. aedes-persistence clears the first packet with the id given,
   * and packets queued while offline have none yet: the head's ids first, then "no id" each time. */
  const trim = (id: string, s: Away) => {
    if (s.head === null || s.queued <= maxQueued || away.get(id) !== s) return;
    const first = s.dropped === 0;
    for (let n = s.queued - maxQueued; n > 0; n--) {
      const messageId = s.at < s.head.length ? s.head[s.at++] : undefined;
      void store.outgoingClearMessageId({ id }, { messageId });
      s.queued--;
      s.dropped++;
      totals.dropped++;
    }
    if (s.at === s.head.length) s.head = [];
    if (first) {
      log?.warn('mqtt offline queue full: dropping the oldest messages', {
        client_id: id,
        user: owners.get(id)?.username,
        max_queued_messages: maxQueued,
        offline_s: offlineS(s),
      });
    }
  };

  const enqueue = store.outgoingEnqueueCombi.bind(store);
  store.outgoingEnqueueCombi = (subs, packet) => {
    const queued = enqueue(subs, packet);
    if (away.size === 0) return queued;
    const full: string[] = [];
    for (const sub of subs) {
      const s = away.get(sub.clientId);
      if (s === undefined) continue;
      s.queued++;
      if (s.head !== null && s.queued > maxQueued) full.push(sub.clientId);
    }
    if (full.length === 0) return queued;
    // Once the packet is in: the oldest it pushes out may be the one before it.
    return queued.then(() => {
      for (const id of full) {
        const s = away.get(id);
        if (s !== undefined) trim(id, s);
      }
    });
  };

  const readQueue = async (id: string, s: Away) => {
    const head: (number | undefined)[] = [];
    try {
      for await (const packet of store.outgoingStream({ id })) head.push(packet.messageId);
    } catch (err) {
      log?.debug('mqtt offline queue not read', { client_id: id, error: err });
    }
    s.head = head;
    s.queued += head.length;
    trim(id, s);
  };

  const gone = (client: { id: string; clean: boolean }) => {
    if (client.clean) return; // a clean session ends with its connection
    const s: Away = { since: performance.now(), queued: 0, head: null, at: 0, dropped: 0 };
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
        dropped_messages: s.queued,
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
        broker.off('clientDisconnect', gone);
        broker.off('client', back);
      };
    },
    sweep,
    forget(id) {
      away.delete(id);
    },
    stats() {
      let queued = 0;
      for (const s of away.values()) queued += s.queued;
      return { sessions: away.size, queued, ...totals };
    },
  };
}
