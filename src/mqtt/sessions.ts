// What the embedded broker holds for tills beyond one connection, and hands to the next broker when
// its part restarts (new till logins, host or port; src/parts/broker.ts). A till connected with
// clean:false expects what Mosquitto with persistence gives: its subscriptions and the QoS 1
// messages published while it was away (scans, outcome events) are there when it reconnects, also
// across a restart of the broker. aedes keeps all of that, and the retained catalogue, in its
// persistence object; the next aedes is built on the same object instead of a fresh one.
//
// With it goes which login holds each client id (the takeover guard in src/mqtt/broker.ts): a
// session queued for one till must not be read by another login that picks the same client id.
//
// A session survives a change of its own login as long as the username stays and still serves the
// same till (a new password: the till logs in with it and finds its session). A session whose
// username was removed, or now maps to another till's base, is dropped with everything queued for
// it: its subscriptions were granted for what that login was allowed then.
//
// How much waits for a till that is away, and for how long, is bounded (src/mqtt/offline-sessions.ts);
// that bookkeeping goes to the next broker with the persistence it counts.
import type { Client } from 'aedes';
import type { OfflineSessions } from './offline-sessions.ts';

/** The login that holds a client id; `client` is its last connection (null after a hand-over). */
export interface SessionOwner {
  username: string;
  base: string;
  client: Client | null;
}

/** The parts of aedes' persistence (aedes-persistence, promise API) used to drop a session. */
export interface SessionStore {
  cleanSubscriptions(client: { id: string }): Promise<void>;
  outgoingStream(client: { id: string }): AsyncIterable<{ messageId?: number }>;
  outgoingClearMessageId(client: { id: string }, packet: { messageId?: number }): Promise<unknown>;
  cleanIncoming?(client: { id: string }): Promise<void>;
  delWill(client: { id: string }): Promise<unknown>;
}

export interface Sessions {
  /** aedes' persistence object, passed to the next broker as its `persistence` option. */
  readonly persistence: unknown;
  /** client id → the login that holds it (connected, or a persistent session kept for it). */
  readonly owners: Map<string, SessionOwner>;
  /** The sessions whose till is away: their queue cap and expiry. */
  readonly offline: OfflineSessions;
}

/**
 * The sessions a new broker starts with: `carried` from the broker before it, without those of
 * logins that are gone (`baseOf` answers null) or now serve another base. Undefined when there is
 * nothing to carry (the first broker of a process), so aedes makes its own persistence.
 */
export async function keepSessions(
  carried: Sessions | undefined,
  baseOf: (username: string) => string | null,
): Promise<Sessions | undefined> {
  if (carried === undefined) return undefined;
  const store = carried.persistence as SessionStore;
  const owners = new Map<string, SessionOwner>();
  for (const [id, owner] of carried.owners) {
    if (baseOf(owner.username) === owner.base) {
      owners.set(id, { ...owner, client: null });
    } else {
      carried.offline.forget(id);
      await dropSession(store, id);
    }
  }
  return { persistence: carried.persistence, owners, offline: carried.offline };
}

/** Forgets a client id's persistent session: subscriptions, queued and in-flight messages, will. */
export async function dropSession(store: SessionStore, id: string): Promise<void> {
  const client = { id };
  await store.cleanSubscriptions(client);
  // aedes-persistence has no "drop the queue" call: clear it packet by packet, as aedes does for a
  // clean reconnect (emptyQueueFilter). Packets never sent have no message id yet; each call
  // removes the first packet with the id asked for, so one call per packet empties the queue.
  const queued: { messageId?: number }[] = [];
  for await (const packet of store.outgoingStream(client)) queued.push(packet);
  for (const packet of queued) await store.outgoingClearMessageId(client, packet);
  await store.cleanIncoming?.(client);
  await store.delWill(client);
}
