// A till back with a persistent session (clean:false) hears what waited for it first, then the
// live messages, each once and in the order the box published them (DESIGN §1: every scan once).
//
// aedes connects such a client in this order (lib/handlers/connect.js): login, restore the stored
// subscriptions (live deliveries start here), register the client, write the CONNACK, and only then
// read the queue and send it (`emptyQueue`), finishing with `clientReady`. A message published
// from the restore on went out live at once and was in the queue read after it (heard twice), and
// one published during the sending overtook the queue's end. So from the login until `clientReady`
// a persistent till's live deliveries are held here, then delivered in the order they came, without
// those queued before aedes read the queue: the queue brought them, or the connection this one took
// over acknowledged them, or the cap dropped them (src/mqtt/offline-sessions.ts).
//
// And for every persistent till, connected or not, the queue's bookkeeping is exact. aedes queues a
// message for a till once per matching subscription and delivers it once per subscription; the
// first delivery sends it, each further one (a till subscribed to `<base>/#` and `<base>/scan`) is
// a repeat that clears "the oldest copy never sent" (`outgoingClearMessageId` without an id, in
// client.js `deliverQoS`). With two messages under way that is the other one's copy, whose own
// delivery then fails (`no such packet`) and aedes closes the till's connection. Here a till gets
// one copy (src/mqtt/one-copy.ts) and a repeat clears nothing, except when the message went out at
// QoS 0 first (a QoS 0 subscription matched first): then its one copy goes, found by its identity.
//
// And when aedes' emitter is backed up (it runs 100 messages at a time; a till that stops reading
// holds slots until the broker closes it, src/mqtt/broker.ts), a message queued for the till before
// it came back may reach its restored subscription only after the hold, even seconds later: sent by
// the queue, then again live, after newer ones, and once the till acknowledged the queue's copy
// aedes closed the connection (`no such packet`; test/mqtt/reconnect-backlog.test.ts). So what the
// queue sent is noted too (aedes sets each queued packet's message id as it sends it,
// `outgoingUpdate`), and a delivery of it, held or later, is left out; the note is kept after the
// hold only while the emitter has a backlog, and dropped in the turn a delivery finds it empty.
//
// Cost on the way of every message: for a persistent till's delivery, a check of its hold and of
// aedes' duplicate counter; for every QoS 1 publish, a count of the tills logging in; for every QoS
// 1 delivery, a count of the tills whose queue is being sent. What aedes relies on here:
// docs/stack-notes.md.
import { finished } from 'node:stream';
import type { Client } from 'aedes';

/** A message as aedes hands it to a client's delivery functions. */
interface Delivered {
  qos: number;
  brokerId?: string | null;
  brokerCounter: number;
}

type Deliver = (packet: Delivered, cb: () => void) => void;

/** The parts of an aedes client (lib/client.js) this works with. */
interface AedesClient {
  id: string;
  clean: boolean;
  /** The broker's emitter: `length` is how many messages wait beyond its 100 under way. */
  broker: { mq: { length: number } };
  conn: NodeJS.ReadableStream | NodeJS.WritableStream;
  /** What a subscription at QoS 1 (and a retained message on SUBSCRIBE) is delivered through. */
  deliverQoS: Deliver;
  /** What a subscription at QoS 0 is delivered through. */
  deliver0: Deliver;
  /** The highest broker counter delivered, per broker id: aedes' guard against repeats. */
  duplicates: Record<string, number>;
}

/** One queued copy, as aedes-persistence finds it: by broker id and counter. */
export interface QueuedRef {
  brokerId: string;
  brokerCounter: number;
}

interface Till {
  client: AedesClient;
  qos: Deliver;
  zero: Deliver;
  /** Deliveries held until the queue is sent, in the order they came; null: delivered at once. */
  held: { qos: boolean; packet: Delivered }[] | null;
  /** What was queued for it from the login until aedes read its queue (`key`). */
  before: Set<string> | null;
  /** What its queue sent (`key`), noted from the CONNACK until the queue is sent. */
  sent: Set<string>;
  /**
   * After the hold, while aedes' emitter may still hold deliveries queued before it ended: what
   * the queue sent, and what was queued before it was read. Else null.
   */
  late: Set<string> | null;
  /** The end of `late` is planned for the next turn. */
  lateEnds: boolean;
  /** The message delivered last (its first delivery), and whether at QoS 1. */
  lastId: string | undefined;
  lastCounter: number;
  lastQoS: boolean;
}

/** The broker events this listens to (aedes: CONNACK written, queue sent). */
export interface ReplayEvents {
  on(event: 'connackSent', listener: (connack: unknown, client: Client) => void): unknown;
  on(event: 'clientReady', listener: (client: Client) => void): unknown;
  off(event: 'connackSent', listener: (connack: unknown, client: Client) => void): unknown;
  off(event: 'clientReady', listener: (client: Client) => void): unknown;
}

/** The part of aedes' persistence the queue's sending is seen through. */
export interface SentStore {
  outgoingUpdate(client: unknown, packet: unknown): Promise<unknown>;
}

export interface Replays {
  /** Persistent tills between their login and the moment aedes reads their queue. */
  readonly loggingIn: number;
  /** Called (while `loggingIn` > 0) with what a QoS 1 publish is queued for. */
  queued(subs: readonly { clientId: string }[], packet: QueuedRef): void;
  /** A connection at its login (id and clean flag known, subscriptions not yet restored). */
  begin(client: Client): void;
  /** Follows one broker's connects; returns the undo. */
  attach(broker: ReplayEvents): () => void;
}

const key = (p: { brokerId: string; brokerCounter: number }) => `${p.brokerCounter} ${p.brokerId}`;
const noop = () => {};

/**
 * `remove` takes one queued copy out of a client's queue, found by its identity; `store` is the
 * persistence whose `outgoingUpdate` is watched while a till's queue is sent.
 */
export function trackReplays(remove: (clientId: string, ref: QueuedRef) => void, store: SentStore): Replays {
  // By client id: what is queued names the client id only.
  const atLogin = new Map<string, Till>();
  const tills = new WeakMap<Client, Till>();
  // Tills whose queue aedes is sending (from the CONNACK until `clientReady`), by aedes client.
  const sending = new Map<unknown, Till>();
  const update = store.outgoingUpdate.bind(store);
  store.outgoingUpdate = (client, packet) => {
    // While a queue is sent, its till's live deliveries are held: an update for it is the queue's.
    if (sending.size !== 0) {
      const p = packet as Partial<QueuedRef>;
      if (p.brokerId) sending.get(client)?.sent.add(key(p as QueuedRef));
    }
    return update(client, packet);
  };

  /** True when the delivery is one the queue brought or left out (after the hold): skip it. */
  const isLate = (till: Till, packet: Delivered): boolean => {
    // `has`, not `delete`: a till subscribed twice over gets each delivery twice.
    const gone = packet.brokerId ? till.late!.has(key(packet as QueuedRef)) : false;
    // Nothing waits in the emitter: whatever was postponed has been handed out by the end of this
    // turn (the emitter calls every listener of a message at once: a till subscribed twice over
    // gets this one's second delivery right after).
    if (till.client.broker.mq.length === 0 && !till.lateEnds) {
      till.lateEnds = true;
      setImmediate(() => {
        till.lateEnds = false;
        if (till.client.broker.mq.length === 0) till.late = null;
      });
    }
    return gone;
  };

  const viaQoS = (till: Till, packet: Delivered, cb: () => void) => {
    if (till.late !== null && isLate(till, packet)) return setImmediate(cb);
    const { client } = till;
    const id = packet.brokerId;
    // QoS 0 (aedes passes it on to deliver0) and retained messages on SUBSCRIBE: no queued copy.
    if (packet.qos === 0 || !id) return till.qos(packet, cb);
    if ((client.duplicates[id] ?? 0) < packet.brokerCounter) {
      till.lastId = id;
      till.lastCounter = packet.brokerCounter;
      till.lastQoS = true;
      return till.qos(packet, cb);
    }
    // A repeat (aedes would send nothing and clear some other copy): the one copy was sent by the
    // first delivery, unless that went at QoS 0; a message aedes drops as older than one delivered
    // since (not the last one) is never sent, so its copy goes too.
    const repeat = till.lastId === id && till.lastCounter === packet.brokerCounter;
    if (!repeat || !till.lastQoS) remove(client.id, { brokerId: id, brokerCounter: packet.brokerCounter });
    if (repeat) till.lastQoS = true;
    setImmediate(cb);
  };

  const viaZero = (till: Till, packet: Delivered, cb: () => void) => {
    if (till.late !== null && isLate(till, packet)) return setImmediate(cb);
    const id = packet.brokerId;
    if (id && (till.client.duplicates[id] ?? 0) < packet.brokerCounter) {
      till.lastId = id;
      till.lastCounter = packet.brokerCounter;
      till.lastQoS = false;
    }
    till.zero(packet, cb);
  };

  const hold = (till: Till, qos: boolean, packet: Delivered, cb: () => void) => {
    till.held!.push({ qos, packet });
    // The publisher does not wait for the till: the message is in its queue, or QoS 0.
    setImmediate(cb);
  };

  /** The queue is sent: what was held goes now, before anything newer. */
  const release = (till: Till) => {
    const { held, before, sent } = till;
    if (held === null) return;
    till.held = null;
    till.before = null;
    const skip = before ?? new Set<string>();
    for (const k of sent) skip.add(k);
    sent.clear();
    for (const { qos, packet } of held) {
      if (packet.brokerId && skip.has(key(packet as QueuedRef))) continue;
      // One turn for all: each delivery writes in a later turn, in the order called.
      if (qos) viaQoS(till, packet, noop);
      else viaZero(till, packet, noop);
    }
    // Deliveries still waiting in aedes' emitter may be of these: left out when they come.
    if (skip.size !== 0 && till.client.broker.mq.length !== 0) till.late = skip;
  };

  const queueRead = (_connack: unknown, client: Client) => {
    const till = tills.get(client);
    if (till === undefined) return;
    if (atLogin.get(client.id) === till) atLogin.delete(client.id);
    if (till.held !== null) sending.set(client, till);
  };
  const ready = (client: Client) => {
    const till = tills.get(client);
    if (till === undefined) return;
    sending.delete(client);
    release(till);
  };

  return {
    get loggingIn() {
      return atLogin.size;
    },
    queued(subs, packet) {
      for (const sub of subs) atLogin.get(sub.clientId)?.before?.add(key(packet));
    },
    begin(aedesClient) {
      const client = aedesClient as unknown as AedesClient;
      if (client.clean) return;
      const till: Till = {
        client,
        qos: client.deliverQoS,
        zero: client.deliver0,
        held: [],
        before: new Set(),
        sent: new Set(),
        late: null,
        lateEnds: false,
        lastId: undefined,
        lastCounter: 0,
        lastQoS: false,
      };
      // Before aedes restores the subscriptions: each takes the delivery function it finds then.
      client.deliverQoS = (packet, cb) =>
        till.held === null ? viaQoS(till, packet, cb) : hold(till, true, packet, cb);
      client.deliver0 = (packet, cb) =>
        till.held === null ? viaZero(till, packet, cb) : hold(till, false, packet, cb);
      tills.set(aedesClient, till);
      atLogin.set(client.id, till);
      finished(client.conn, () => {
        // Gone before its queue was sent: what was held is in its queue still, or was QoS 0.
        till.held = null;
        till.before = null;
        till.late = null;
        sending.delete(aedesClient);
        if (atLogin.get(client.id) === till) atLogin.delete(client.id);
      });
    },
    attach(broker) {
      broker.on('connackSent', queueRead);
      broker.on('clientReady', ready);
      return () => {
        broker.off('connackSent', queueRead);
        broker.off('clientReady', ready);
      };
    },
  };
}
