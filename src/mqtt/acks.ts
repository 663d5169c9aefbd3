// When the box acknowledges a till's QoS 1 request (its PUBACK): once the request is answered, and,
// when the till acknowledges the answer itself (subscribed at QoS 1), right after that.
//
// Why (issue 7 item 5): most till libraries leave Nagle's algorithm on. Acknowledged at receipt,
// the box's PUBACK travels first and the answer later; the till's PUBACK for the answer is then the
// last segment on the wire, unacknowledged, and Nagle holds the till's next request until the box's
// delayed ACK (40 ms on Linux): every request took 44 ms. Sent after the till's PUBACK, the box's
// PUBACK carries the TCP ACK with it and the next request leaves at once. It also makes the PUBACK
// mean "answered": a request the box dies on before answering is resent by the till's client.
//
// aedes acknowledges a QoS 1 publish before routing it; `hold` lowers the packet to QoS 0 inside
// authorizePublish (where aedes lets us change the packet) so aedes routes it without a PUBACK,
// and writes the PUBACK itself on the connection later.
import type { Client } from 'aedes';

/** Longest wait for the till's own PUBACK of the answer; past it the box acknowledges anyway. */
export const ANSWER_ACK_WAIT_MS = 40;

/** A PUBACK is four bytes (MQTT 3.1.1, section 3.4): type 4, remaining length 2, the packet identifier. */
function pubackBytes(messageId: number): Buffer {
  return Buffer.from([0x40, 0x02, messageId >> 8, messageId & 0xff]);
}

interface Held {
  client: Client;
  messageId: number;
  answerTopic: string;
  acksAtRequest: number;
}

interface ClientState {
  /** Granted subscriptions: filter → QoS (from the broker's subscribe/unsubscribe events). */
  subs: Map<string, number>;
  /** How many PUBACKs this client has sent so far. */
  acks: number;
  waiting: Set<{ held: Held; timer: NodeJS.Timeout }>;
}

export interface RequestAcks {
  /** In authorizePublish, for an accepted QoS 1 request: its PUBACK is ours from here on. */
  hold(
    client: Client,
    packet: { qos: number; messageId?: number; payload: Buffer | string },
    answerTopic: string,
  ): void;
  /** The request carried by this payload was answered (the answer is written to its till). */
  answered(payload: Buffer): void;
  subscribed(client: Client, subs: readonly { topic: string; qos: number }[]): void;
  unsubscribed(client: Client, filters: readonly string[]): void;
  acked(client: Client): void;
  closed(client: Client): void;
  /** The broker is closing: every answered request still waiting for its PUBACK gets it now (and
   * one answered from here on at once), so no till is left with an answered request that its
   * client would resend to the next start. */
  flush(): void;
}

export function createRequestAcks(answerAckWaitMs = ANSWER_ACK_WAIT_MS): RequestAcks {
  // Keyed by the payload Buffer: aedes hands the very same Buffer to the gateway's subscription, and
  // a request that is never routed leaves nothing behind (its till resends it after a reconnect).
  const held = new WeakMap<Buffer, Held>();
  const states = new WeakMap<Client, ClientState>();
  // Clients with PUBACKs waiting, held strongly only while they wait (for flush on close).
  const waitingStates = new Set<ClientState>();
  let closing = false;
  const stateOf = (client: Client): ClientState => {
    let s = states.get(client);
    if (!s) {
      s = { subs: new Map(), acks: 0, waiting: new Set() };
      states.set(client, s);
    }
    return s;
  };

  function send(h: Held): void {
    const conn = h.client.conn as { writable?: boolean; write(b: Buffer): unknown };
    if (h.client.closed || !conn.writable) return;
    conn.write(pubackBytes(h.messageId));
  }

  function sendWaiting(s: ClientState): void {
    for (const entry of s.waiting) {
      clearTimeout(entry.timer);
      send(entry.held);
    }
    s.waiting.clear();
    waitingStates.delete(s);
  }

  /** True when every granted subscription matching the topic is QoS ≥ 1, so the till will ack it. */
  function willAck(s: ClientState, topic: string): boolean {
    let matched = false;
    for (const [filter, qos] of s.subs) {
      if (!filterMatches(filter, topic)) continue;
      if (qos < 1) return false;
      matched = true;
    }
    return matched;
  }

  return {
    hold(client, packet, answerTopic) {
      if (packet.qos !== 1 || packet.messageId === undefined || !Buffer.isBuffer(packet.payload)) return;
      held.set(packet.payload, {
        client,
        messageId: packet.messageId,
        answerTopic,
        acksAtRequest: stateOf(client).acks,
      });
      packet.qos = 0;
    },
    answered(payload) {
      const h = held.get(payload);
      if (!h) return;
      held.delete(payload);
      const s = stateOf(h.client);
      // The till's PUBACK of the answer may already be in (then ours goes now and carries the ACK).
      if (closing || s.acks > h.acksAtRequest || !willAck(s, h.answerTopic)) return send(h);
      const entry = {
        held: h,
        timer: setTimeout(() => {
          s.waiting.delete(entry);
          if (s.waiting.size === 0) waitingStates.delete(s);
          send(h);
        }, answerAckWaitMs),
      };
      entry.timer.unref();
      s.waiting.add(entry);
      waitingStates.add(s);
    },
    subscribed(client, subs) {
      const s = stateOf(client);
      for (const sub of subs) if (sub.qos <= 2) s.subs.set(sub.topic, sub.qos);
    },
    unsubscribed(client, filters) {
      const s = states.get(client);
      for (const f of filters) s?.subs.delete(f);
    },
    acked(client) {
      const s = stateOf(client);
      s.acks++;
      sendWaiting(s);
    },
    closed(client) {
      const s = states.get(client);
      if (!s) return;
      for (const entry of s.waiting) clearTimeout(entry.timer);
      s.waiting.clear();
      waitingStates.delete(s);
    },
    flush() {
      closing = true;
      for (const s of waitingStates) sendWaiting(s);
    },
  };
}

/** MQTT topic filter matching (`+` one level, `#` the rest), for the till's own filters. Walks both
 * strings level by level without splitting them: it runs for every answer a till gets. */
export function filterMatches(filter: string, topic: string): boolean {
  let fi = 0;
  let ti = 0;
  for (;;) {
    let fe = filter.indexOf('/', fi);
    if (fe < 0) fe = filter.length;
    const width = fe - fi;
    if (width === 1 && filter.charCodeAt(fi) === 0x23) return true; // '#': this level and the rest
    if (ti > topic.length) return false; // the topic has no level here
    let te = topic.indexOf('/', ti);
    if (te < 0) te = topic.length;
    if (!(width === 1 && filter.charCodeAt(fi) === 0x2b)) {
      // Not '+': the level must be the same characters.
      if (te - ti !== width) return false;
      for (let k = 0; k < width; k++)
        if (filter.charCodeAt(fi + k) !== topic.charCodeAt(ti + k)) return false;
    }
    if (fe === filter.length) return te === topic.length;
    fi = fe + 1;
    ti = te + 1;
  }
}
