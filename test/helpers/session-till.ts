// The rig for the offline-session tests (test/mqtt/offline-sessions.test.ts, offline-state.test.ts):
// the real aedes broker on loopback with two till logins, and mqtt.js tills with persistent sessions.
import mqtt, { type MqttClient } from 'mqtt';
import { hashPassword } from '../../src/config/password.ts';
import { type Broker, startBroker } from '../../src/mqtt/broker.ts';
import type { OfflineLimits } from '../../src/mqtt/offline-sessions.ts';
import type { Sessions } from '../../src/mqtt/sessions.ts';
import { collectingLogger, waitUntil } from './gateway.ts';

export const SCAN = 'pos/T1/scan';
export const TILL = { username: 'till-1', password: 'till-1-password' };
export const OTHER = { username: 'till-2', password: 'till-2-password' };
export const DAY_MS = 86_400_000;

// Hashed once: scrypt is slow on purpose, and every test needs the same two logins.
const users = Promise.all(
  [TILL, OTHER].map(async (u) => ({ username: u.username, password_hash: await hashPassword(u.password) })),
);

export interface Rig {
  broker: Broker;
  url: string;
  lines: string[];
  /** The log lines with this message, parsed. */
  logged(msg: string): Record<string, unknown>[];
}

export async function sessionBroker(
  t: any,
  limits: Partial<OfflineLimits>,
  sessions?: Sessions,
): Promise<Rig> {
  const { logger, lines } = collectingLogger();
  const broker = await startBroker({
    host: '127.0.0.1',
    port: 0,
    wsPort: null,
    prefix: 'pos',
    tillId: 'T1',
    users: await users,
    demo: false,
    offlineLimits: { maxQueued: 1000, expiryS: 0, ...limits },
    ...(sessions ? { sessions } : {}),
    logger,
  });
  t.teardown(() => broker.close());
  const logged = (msg: string) =>
    lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === msg);
  return { broker, url: `mqtt://127.0.0.1:${broker.port}`, lines, logged };
}

export interface Till {
  client: MqttClient;
  /** Texts of the scans heard, in arrival order. */
  scans: string[];
  /** Everything heard, in arrival order: `<topic below pos/T1/> <text, or state>`. */
  heard: string[];
  sessionPresent: boolean;
  /** PUBACKs held back (a slow till); `release()` sends them and stops holding. */
  release(): void;
}

/**
 * A till with a persistent session and no reconnect of its own. The listener is on before the
 * CONNECT: queued messages follow the CONNACK at once. `slow`: it acknowledges nothing until
 * released (mqtt.js sends a PUBACK when `handleMessage` calls back, and reads no further meanwhile).
 */
export function sessionTill(
  t: any,
  url: string,
  clientId: string,
  opts: { slow?: boolean; login?: typeof TILL } = {},
) {
  const client = mqtt.connect(url, { ...(opts.login ?? TILL), clientId, clean: false, reconnectPeriod: 0 });
  const held: (() => void)[] = [];
  let holding = opts.slow === true;
  const till: Till = {
    client,
    scans: [],
    heard: [],
    sessionPresent: false,
    release() {
      holding = false;
      for (const ack of held.splice(0)) ack();
    },
  };
  client.handleMessage = (_packet, callback) => {
    if (holding) held.push(() => callback());
    else callback();
  };
  client.on('error', () => {});
  client.on('message', (topic, payload) => {
    const doc = JSON.parse(payload.toString());
    if (topic === SCAN) till.scans.push(doc.text);
    till.heard.push(`${topic.slice('pos/T1/'.length)} ${doc.text ?? doc.state}`);
  });
  t.teardown(() => client.end(true));
  return new Promise<Till>((resolve, reject) => {
    client.once('connect', (connack) => {
      till.sessionPresent = connack.sessionPresent;
      resolve(till);
    });
    client.once('error', reject);
  });
}

/** Scans the gateway publishes, one after the other, as its scan path does (QoS 1, not retained). */
export async function publish(broker: Broker, ...texts: string[]) {
  for (const text of texts) await broker.publish(SCAN, { text }, { qos: 1, retain: false });
}

export const range = (prefix: string, from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);

/**
 * Subscribes, then leaves (with a DISCONNECT) and waits until the broker counts it away. The broker
 * reads the queue at the disconnect in memory, without I/O: that is done before any timer fires,
 * so what is published after this is counted on from it. `filters`: what it subscribes to (QoS 1).
 */
export async function subscribedAndGone(t: any, rig: Rig, clientId: string, login = TILL, filters = [SCAN]) {
  const till = await sessionTill(t, rig.url, clientId, { login });
  await till.client.subscribeAsync(filters, { qos: 1 });
  await till.client.endAsync();
  await waitUntil(
    () => rig.broker.sessions().offline.stats().sessions >= 1,
    'the broker counts the till away',
  );
}

/** The messages aedes holds for a client id (its memory persistence). */
export async function queueOf(broker: Broker, id: string): Promise<number> {
  const store = broker.sessions().persistence as {
    outgoingStream(c: { id: string }): AsyncIterable<unknown>;
  };
  let n = 0;
  for await (const _ of store.outgoingStream({ id })) n++;
  return n;
}
