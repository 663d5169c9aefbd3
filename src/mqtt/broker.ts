// The embedded aedes broker with per-till logins and ACLs from the topic registry (DESIGN §3).
// aedes 1.x speaks MQTT 3.1.1 only (docs/stack-notes.md), so request/response uses topic pairs.
// A denied publish closes the offending connection (aedes, MQTT-3.3.5-2); a denied subscription
// is answered with granted QoS 0x80.
import { createRequire } from 'node:module';
import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Aedes, type AedesPublishPacket, type Client } from 'aedes';
import { verifyPassword } from '../config/password.ts';
import { MQTT_DRAIN_TIMEOUT_MS, MQTT_SESSION_DEFAULTS } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { createRequestAcks } from './acks.ts';
import { drainWithoutRecursion } from './emitter-drain.ts';
import { createLoginGuard, type LoginGuardOptions } from './login-guard.ts';
import { type OfflineLimits, trackOfflineSessions } from './offline-sessions.ts';
import { deferredQuickAck, loadQuickAck, type QuickAck } from './quick-ack.ts';
import { markRedeliveries } from './redelivery.ts';
import { keepSessions, type SessionOwner, type Sessions } from './sessions.ts';
import { baseTopic, filterOf, tillMaySubscribe, tillPublishTopic, topicOf } from './topics.ts';
import { listenWebSocket, type WebSocketListener } from './websocket.ts';

// mqtt-packet (aedes' and mqtt.js' encoder, one shared module) by default builds a cache of all
// 65,536 two-byte packet-id / length numbers on the first packet it writes: 65,536 Buffer objects,
// 6 MB of heap held for the life of the process as soon as a till (or the uplink) connects, on a
// box whose RSS bar is 80 MB. Without it each number is one 2-byte allocation when written. The
// instance aedes itself resolves is the one that matters (mqtt.js is told with `writeCache`).
const fromAedes = createRequire(import.meta.resolve('aedes'));
(fromAedes('mqtt-packet') as typeof import('mqtt-packet')).writeToStream.cacheNumbers = false;

export interface BrokerUser {
  username: string;
  password_hash: string;
  till_id?: string;
}

export interface BrokerOptions {
  host: string;
  port: number;
  /** MQTT over WebSocket on the same host (browser tills); null = off, 0 = any free port. */
  wsPort: number | null;
  prefix: string;
  tillId: string;
  users: readonly BrokerUser[];
  /** Demo mode: anonymous clients, loopback only (DESIGN §3). */
  demo: boolean;
  /**
   * How long a delivery waits for a till's full socket to drain before aedes closes that till's
   * connection (the setting `mqtt.drain_timeout_ms`; default the schema's).
   */
  drainTimeoutMs?: number;
  /** Limits on password checks (defaults in src/mqtt/login-guard.ts); tests shorten the block. */
  loginGuard?: Omit<LoginGuardOptions, 'logger'>;
  /** How long a QoS 1 request's PUBACK waits for the till's PUBACK of the answer (src/mqtt/acks.ts). */
  answerAckWaitMs?: number;
  /**
   * What the broker before this one held (`sessions()` after its close): retained messages and the
   * tills' persistent sessions (src/mqtt/sessions.ts).
   */
  sessions?: Sessions;
  /** How many messages wait for a till that is away, and for how long (defaults: the schema's). */
  offlineLimits?: OfflineLimits;
  /**
   * The handler of this till's requests (`<base>/request/#`), subscribed before the listeners open:
   * a till that reconnects at once to a (re)started broker must find its requests served, or a
   * QoS 0 request is heard by nobody and a QoS 1 one never acknowledged (src/mqtt/acks.ts).
   */
  requests?: MessageHandler;
  /** The broker before this one's `counts()`: counted on from there (a restart resets nothing). */
  counts?: BrokerCounts;
  logger: Logger;
}

/** What the broker counts for /metrics, since the process started. */
export interface BrokerCounts {
  /** Till connections closed because the till stopped reading (`drainTimeoutMs`). */
  stuckClosed: number;
}

/** A handler may return a promise: for a till's request, settled once the request is answered. */
export type MessageHandler = (topic: string, payload: Buffer) => unknown;

export interface Broker {
  readonly port: number;
  /** The WebSocket listener's port, or null when it is off. */
  readonly wsPort: number | null;
  readonly host: string;
  publish(topic: string, payload: unknown, opts: { retain: boolean; qos: 0 | 1 }): Promise<void>;
  /** Resolves once subscribed, with the function that ends the subscription. */
  subscribe(filter: string, handler: MessageHandler): Promise<() => Promise<void>>;
  /**
   * What the next broker takes over when this one restarts (read after `close`); while it runs, also
   * the count of what waits for tills that are away (`offline.stats()`, for /metrics).
   */
  sessions(): Sessions;
  counts(): BrokerCounts;
  clientCount(): number;
  close(): Promise<void>;
}

// How long the quick ACK of a PUBACK other than an answer's may wait (src/mqtt/quick-ack.ts).
const QUICK_ACK_DELAY_MS = 1;
// A till that published within this long counts as busy with requests (its ACKs go at once).
const REQUESTING_MS = 1000;

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

export function isLoopback(address: string | undefined): boolean {
  return address !== undefined && LOOPBACK.test(address);
}

export async function startBroker(opts: BrokerOptions): Promise<Broker> {
  const log = opts.logger;
  // Which base topic each authenticated connection may use.
  const baseOf = new WeakMap<Client, string>();
  // When each connection last published (a request): its PUBACKs then get their ACK at once.
  const publishedAt = new WeakMap<Client, number>();
  const ownBase = baseTopic(opts.prefix, opts.tillId);
  const acks = createRequestAcks(opts.answerAckWaitMs);
  // Which login a client id belongs to. MQTT lets a new connection with the same client id take
  // over the old one and its persistent session, and aedes forwards the messages queued for that
  // session without asking the ACL again: another till's login could end a till's connection and
  // read what queued up for it. So a client id stays with the login that holds it: while connected,
  // and for a persistent session as long as aedes keeps it (memory persistence: this process,
  // across broker restarts too).
  const baseOfUser = (username: string) => {
    const user = opts.users.find((u) => u.username === username);
    return user ? baseTopic(opts.prefix, user.till_id ?? opts.tillId) : null;
  };
  const carried = await keepSessions(opts.sessions, baseOfUser);
  const owners = carried?.owners ?? new Map<string, SessionOwner>();
  const guards = createLoginGuard({ ...opts.loginGuard, logger: log });
  // How long aedes waits for a client's full socket to drain before it closes the connection. aedes
  // delivers at most `concurrency` (100) messages at a time, and a delivery to a full socket holds
  // its slot until that socket drains: one till that stops reading (a frozen POS tab, a peer that
  // never reads) would hold every slot and stall scans and answers to every other till for aedes'
  // default 60 s (test/mqtt/stuck-till.test.ts). A live till drains a full socket in milliseconds.
  const drainTimeoutMs = opts.drainTimeoutMs ?? MQTT_DRAIN_TIMEOUT_MS.default;

  const aedes = await Aedes.createBroker({
    // The previous broker's subscriptions, queued QoS 1 messages and retained messages.
    ...(carried ? { persistence: carried.persistence } : {}),
    drainTimeout: drainTimeoutMs,
    authenticate(client, username, password, done) {
      // Before aedes restores a persistent session's subscriptions (src/mqtt/replay.ts).
      offline.replays.begin(client);
      const remote = remoteAddress(client);
      if (opts.demo) {
        if (!isLoopback(remote)) {
          log.warn('mqtt login refused: demo mode accepts loopback only', { client_id: client.id, remote });
          return done(Object.assign(new Error('not authorized'), { returnCode: 5 }), false);
        }
        baseOf.set(client, ownBase);
        return done(null, true);
      }
      const refuse = (returnCode: 2 | 3 | 4 | 5, message: string) =>
        done(Object.assign(new Error(message), { returnCode }), false);
      const refused = (reason: string) =>
        log.warn('mqtt login refused', { client_id: client.id, remote, reason, user: username });
      void (async () => {
        // Before any password check (src/mqtt/login-guard.ts): a blocked address is refused as not
        // authorised, also with the right password, so guessing learns nothing while it lasts.
        const admission = await guards.admit(remote);
        if (admission === 'blocked') {
          log.debug('mqtt login refused', { client_id: client.id, remote, reason: 'address blocked' });
          return refuse(5, 'not authorized');
        }
        // Server unavailable: the client's reconnect tries again a moment later.
        if (admission === 'busy') return refuse(3, 'server busy');
        const user = username === undefined ? undefined : opts.users.find((u) => u.username === username);
        if (!user || !password) {
          // The user only when known: a mistyped login may carry anything in that field. A client
          // without a username (mosquitto_sub without -u) is told apart: no user was named at all.
          log.warn('mqtt login refused', {
            client_id: client.id,
            remote,
            reason: user ? 'no password' : username === undefined ? 'no login' : 'unknown user',
          });
          return refuse(username ? 4 : 5, 'not authorized');
        }
        const ok = await guards.check(() => verifyPassword(password.toString('utf8'), user.password_hash));
        if (!ok) {
          refused('bad password');
          return refuse(4, 'bad username or password');
        }
        guards.succeeded(remote);
        const owner = owners.get(client.id);
        if (owner !== undefined && owner.username !== user.username) {
          refused('client id held by another login');
          return refuse(2, 'identifier rejected');
        }
        const base = baseTopic(opts.prefix, user.till_id ?? opts.tillId);
        owners.set(client.id, { username: user.username, base, client });
        baseOf.set(client, base);
        done(null, true);
      })().catch((err: unknown) => done(Object.assign(err as Error, { returnCode: 3 as const }), false));
    },
    authorizePublish(client, packet, done) {
      if (!client) return done(null); // the broker's own will handling
      const base = baseOf.get(client);
      const target = base === undefined ? null : tillPublishTopic(base, packet.topic);
      if (target) {
        publishedAt.set(client, performance.now());
        // A retained request would be replayed to every later subscriber as if sent again.
        packet.retain = false;
        // Only this box's own till is answered here: a login for another till (its `till_id`) is
        // acknowledged by aedes at once, or its PUBACK would wait for an answer that never comes.
        const op = base === ownBase && target.name === 'request' ? target.params.op : undefined;
        if (op !== undefined) acks.hold(client, packet, topicOf(ownBase, 'response', { op }));
        return done(null);
      }
      log.warn('mqtt publish denied', { client_id: client.id, topic: packet.topic });
      done(new Error(`publish to ${packet.topic} not allowed`));
    },
    authorizeSubscribe(client, sub, done) {
      const base = baseOf.get(client);
      if (base && tillMaySubscribe(base, sub.topic)) return done(null, sub);
      log.warn('mqtt subscribe denied', { client_id: client.id, topic: sub.topic });
      done(null, null);
    },
  });
  // A backlog of messages nobody hears must not drain as one deep recursion (src/mqtt/emitter-drain.ts).
  drainWithoutRecursion((aedes as unknown as { mq: Parameters<typeof drainWithoutRecursion>[0] }).mq);

  // aedes drops a packet for a client when its broker counter is not above the last one that client
  // got from the same broker id (its guard against overlapping subscriptions, lib/client.js
  // `dedupe`). The counter is taken when publish() is called, but a QoS 1 or retained publish only
  // reaches the subscribers a few promise hops later, while a till's QoS 0 requests parsed from the
  // same socket read are delivered at once: an answer published from inside a request handler then
  // arrives "older" than the request the till heard on `<base>/#`, and is dropped (issue 7, aedes
  // #994). So the gateway's own messages carry broker ids of their own, one per delivery path (QoS,
  // retain), each with its own counter: within one path aedes delivers in publish order, and no
  // till message can overtake them in the count.
  // The four paths' ids are made once: a scan's publish builds no string for them.
  const paths = [false, true].flatMap((retain) =>
    ([0, 1] as const).map((qos) => ({
      brokerId: `${aedes.id}/gateway/q${qos}${retain ? 'r' : ''}`,
      counter: 0,
    })),
  );
  const stamp = (qos: 0 | 1, retain: boolean) => {
    const path = paths[(retain ? 2 : 0) + qos]!;
    return { brokerId: path.brokerId, brokerCounter: ++path.counter };
  };

  // The catalogue, the bridge state, devices and health are retained once and republished only on
  // change: kept in the persistence handed on, a restarted broker holds them before any till connects.
  const persistence: unknown = (aedes as unknown as { persistence: unknown }).persistence;
  // What waits for a till that is away, and for how long (src/mqtt/offline-sessions.ts).
  const limits = opts.offlineLimits ?? {
    maxQueued: MQTT_SESSION_DEFAULTS.max_queued_messages,
    expiryS: MQTT_SESSION_DEFAULTS.session_expiry_s,
  };
  // Made once per process, with the persistence (the next broker takes both over).
  if (!carried) markRedeliveries(persistence);
  const offline = carried?.offline ?? trackOfflineSessions(persistence);
  const detachOffline = offline.attach(aedes, owners, limits, log);

  aedes.on('subscribe', (subs, client) => acks.subscribed(client, subs));
  aedes.on('unsubscribe', (filters, client) => acks.unsubscribed(client, filters));
  // Loaded here, before anything is served: loading the FFI blocks the event loop for a moment
  // (tens of ms on a loaded machine), which must not fall on a request or a delivery in flight.
  const quickAck: QuickAck = await loadQuickAck(log);
  const quickAckSoon = deferredQuickAck(quickAck, QUICK_ACK_DELAY_MS);
  aedes.on('ack', (_packet, client) => {
    acks.acked(client);
    // The till's PUBACK needs no answer: ACK it soon, not in 40 ms (src/mqtt/quick-ack.ts); at
    // once from a till busy with requests, whose next one is likely waiting behind it (Nagle).
    // (Which message a PUBACK acknowledged is not known here: aedes keeps no copy of what it sent
    // a clean session, so the till's own traffic decides.)
    const last = publishedAt.get(client);
    if (last !== undefined && performance.now() - last < REQUESTING_MS) quickAck(client.conn as Duplex);
    else quickAckSoon(client.conn as Duplex);
  });
  aedes.on('clientDisconnect', (client) => {
    acks.closed(client);
    // A clean session ends with its connection; a takeover by the same login has re-bound the id.
    if (client.clean && owners.get(client.id)?.client === client) owners.delete(client.id);
  });
  // aedes ends the connection of a till that did not read for `drainTimeoutMs` with this error, and
  // reports it again for every delivery that was waiting: said once per connection.
  const undrained = new WeakSet<Client>();
  const counts = opts.counts ?? { stuckClosed: 0 };
  aedes.on('clientError', (client, err) => {
    if (err.message === 'drain timeout') {
      if (undrained.has(client)) return;
      undrained.add(client);
      counts.stuckClosed++;
      log.warn('mqtt till stopped reading: connection closed', {
        client_id: client.id,
        drain_timeout_ms: drainTimeoutMs,
      });
    } else log.debug('mqtt client error', { client_id: client.id, error: err });
  });
  aedes.on('connectionError', (_client, err) => log.debug('mqtt connection error', { error: err }));

  const subscribe: Broker['subscribe'] = (filter, handler) => {
    const deliver = (packet: AedesPublishPacket, cb: () => void) => {
      const payload = packet.payload as Buffer;
      let handled: unknown;
      try {
        handled = handler(packet.topic, payload);
      } catch (err) {
        log.error('mqtt handler failed', { topic: packet.topic, error: err });
      }
      cb();
      const answered = () => acks.answered(payload);
      if (handled instanceof Promise) handled.then(answered, answered);
      else answered();
    };
    const unsubscribe = () =>
      new Promise<void>((resolve) => aedes.unsubscribe(filter, deliver, () => resolve()));
    return new Promise((resolve) => aedes.subscribe(filter, deliver, () => resolve(unsubscribe)));
  };
  // Ends with this broker (its close): a restarted broker subscribes its own before it listens.
  if (opts.requests) await subscribe(filterOf(ownBase, 'request'), opts.requests);

  const host = opts.demo && !isLoopback(opts.host) && opts.host !== 'localhost' ? '127.0.0.1' : opts.host;
  if (host !== opts.host) log.warn('demo mode: broker bound to loopback only', { configured: opts.host });
  const sockets = new Set<Socket>();
  // Nagle off: the broker writes a PUBACK and then the response; with Nagle the response waits for
  // the till's delayed ACK (~40 ms per request). Scans and answers are small and latency-bound.
  const server: Server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  let ws: WebSocketListener | undefined;
  if (opts.wsPort !== null) {
    try {
      ws = await listenWebSocket({
        host,
        port: opts.wsPort,
        handle: (stream, req) => aedes.handle(stream, req),
        logger: log,
      });
    } catch (err) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      detachOffline();
      throw err;
    }
  }

  return {
    port,
    wsPort: ws?.port ?? null,
    host,
    publish(topic, payload, { retain, qos }) {
      const buf = Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload));
      const packet = {
        cmd: 'publish' as const,
        topic,
        payload: buf,
        qos,
        retain,
        dup: false,
        ...stamp(qos, retain),
      };
      return new Promise((resolve, reject) =>
        aedes.publish(packet, (err) => (err ? reject(err) : resolve())),
      );
    },
    subscribe,
    sessions: () => ({ persistence, owners, offline }),
    counts: () => counts,
    clientCount: () => aedes.connectedClients,
    async close() {
      // Answered requests still waiting for their PUBACK get it before the connections end.
      acks.flush();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // aedes.close() ends every client connection; then no socket keeps the server open.
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      // After the close: its disconnects mark the tills away, counted on by the next broker.
      detachOffline();
      for (const s of sockets) s.destroy();
      await Promise.all([closed, ws?.close()]);
    },
  };
}

/** The peer of a TCP connection, or of the HTTP upgrade a WebSocket came in on (never a header). */
function remoteAddress(client: Client): string | undefined {
  const c = client as unknown as {
    conn?: { remoteAddress?: string };
    req?: { socket?: { remoteAddress?: string } };
  };
  return c.conn?.remoteAddress ?? c.req?.socket?.remoteAddress;
}
