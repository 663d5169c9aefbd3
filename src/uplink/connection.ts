// The box's connection to the central ops broker (DESIGN §8): TLS with an optional pinned CA,
// per-box login, a Last Will, and reconnects with capped exponential backoff and jitter — after a
// refused login too, so a fleet whose broker lost its password file comes back by itself once it
// is fixed, without thousands of boxes retrying in lockstep.
//
// Why one fresh mqtt.js client per attempt rather than its built-in reconnect: mqtt.js retries on a
// fixed period (no backoff), stops for good after a refused CONNACK unless `reconnectOnConnackError`
// is set, and keeps an in-memory queue of QoS 1 publishes across reconnects whose callbacks never
// settle when it starts over with fresh stores (docs/stack-notes.md). A client per attempt has no
// such leftovers: a publish settles with its connection, and whatever must survive an outage
// (latest health, bounded events) is kept by the uplink itself and republished on connect.
import type { MqttClient } from 'mqtt';
import type { Logger } from '../log.ts';
import { retryDelayMs } from '../outbox/backoff.ts';
import { describeUplinkError, type UplinkLogin, uplinkClientOptions } from './login.ts';

// mqtt.js and what it brings (lru-cache, ip-address, worker-timers: ~0.5 MB of heap for good) are
// loaded with the first connection: a box whose uplink is not configured (demo mode, a shop without
// ops) never needs them, and its RSS bar is 80 MB (DESIGN §10).
const loadMqtt = async () => (await import('mqtt')).default;

export type UplinkLinkState = 'connecting' | 'connected' | 'disconnected' | 'stopped';

export interface UplinkStatus {
  state: UplinkLinkState;
  /** The broker URL without credentials. */
  url: string;
  connected_since: string | null;
  /** `reason` in the words of the technician's connectivity test (src/uplink/login.ts). */
  last_error: { code: string; message: string; reason: string; at: string } | null;
  /** Successful connects since start (1 = never lost the link). */
  connects: number;
}

export interface UplinkConnectionOptions {
  login: UplinkLogin;
  keepaliveS: number;
  will: { topic: string; payload: string };
  backoff: { minMs: number; maxMs: number };
  connectTimeoutMs?: number;
  logger: Logger;
  /** Called on every successful connect (first and after each outage). */
  onConnect(): void;
  onStatus?(status: UplinkStatus): void;
}

export interface UplinkConnection {
  /** Publishes on the current connection; rejects when there is none or it drops before the ack. */
  publish(topic: string, payload: string, opts: { qos: 0 | 1; retain: boolean }): Promise<void>;
  isConnected(): boolean;
  status(): UplinkStatus;
  /** Publishes `last` (the explicit offline) when connected, disconnects cleanly, stops retrying. */
  stop(last?: { topic: string; payload: string }, timeoutMs?: number): Promise<void>;
}

export class UplinkNotConnected extends Error {
  constructor() {
    super('uplink not connected');
    this.name = 'UplinkNotConnected';
  }
}

export function connectUplink(opts: UplinkConnectionOptions): UplinkConnection {
  const log = opts.logger;
  const status: UplinkStatus = {
    state: 'connecting',
    url: opts.login.url,
    connected_since: null,
    last_error: null,
    connects: 0,
  };
  let client: MqttClient | undefined;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;
  let stopped = false;
  // Rejecters of publishes waiting for their ack on the current connection.
  const waiting = new Set<(err: Error) => void>();

  const setState = (state: UplinkLinkState) => {
    if (status.state === state) return;
    status.state = state;
    opts.onStatus?.({ ...status });
  };

  const clientOptions = uplinkClientOptions(opts.login, {
    keepaliveS: opts.keepaliveS,
    connectTimeoutMs: opts.connectTimeoutMs ?? 10_000,
    will: opts.will,
  });

  const attempt = async () => {
    retry = undefined;
    if (stopped) return;
    setState('connecting');
    const mqtt = await loadMqtt();
    if (stopped) return;
    const c = mqtt.connect(opts.login.url, clientOptions);
    client = c;
    c.on('connect', () => {
      if (stopped || client !== c) return;
      failures = 0;
      status.connects++;
      status.connected_since = new Date().toISOString();
      log.info(status.connects === 1 ? 'uplink connected' : 'uplink reconnected', { url: status.url });
      setState('connected');
      opts.onConnect();
    });
    c.on('error', (err: Error & { code?: string | number }) => {
      status.last_error = {
        ...describeUplinkError(err, opts.login),
        message: err.message,
        at: new Date().toISOString(),
      };
    });
    c.on('close', () => {
      if (client !== c) return;
      client = undefined;
      c.removeAllListeners();
      c.on('error', () => {});
      c.end(true);
      for (const reject of waiting) reject(new UplinkNotConnected());
      waiting.clear();
      if (stopped) return;
      const wasConnected = status.state === 'connected';
      status.connected_since = null;
      failures++;
      const delay = retryDelayMs(failures, {
        baseMs: opts.backoff.minMs,
        maxMs: opts.backoff.maxMs,
        jitter: 0.5,
      });
      // One warning per outage, not one per attempt: a broker down for a day must not flood the journal.
      if (wasConnected || failures === 1) {
        log.warn('uplink disconnected; the gateway keeps serving the till', {
          url: status.url,
          error: status.last_error?.message,
          retry_in_ms: delay,
        });
      } else {
        log.debug('uplink retry', {
          attempt: failures,
          error: status.last_error?.message,
          retry_in_ms: delay,
        });
      }
      setState('disconnected');
      retry = setTimeout(() => void attempt(), delay);
    });
  };
  void attempt();

  return {
    isConnected: () => client?.connected === true && status.state === 'connected',
    status: () => ({ ...status }),
    publish(topic, payload, pubOpts) {
      const c = client;
      if (!c?.connected || status.state !== 'connected') return Promise.reject(new UplinkNotConnected());
      return new Promise<void>((resolve, reject) => {
        const settle = (err?: Error) => {
          if (!waiting.delete(fail)) return;
          if (err) reject(err);
          else resolve();
        };
        const fail = (err: Error) => settle(err);
        waiting.add(fail);
        c.publish(topic, payload, pubOpts, (err) => settle(err ?? undefined));
      });
    },
    async stop(last, timeoutMs = 600) {
      if (stopped) return;
      stopped = true;
      if (retry) clearTimeout(retry);
      const c = client;
      setState('stopped');
      if (!c) return;
      const deadline = Date.now() + timeoutMs;
      if (last && c.connected) {
        await withTimeout(
          new Promise<void>((resolve) =>
            c.publish(last.topic, last.payload, { qos: 1, retain: true }, () => resolve()),
          ),
          Math.max(0, deadline - Date.now()),
        );
      }
      // A clean DISCONNECT tells the broker not to send the Last Will; the explicit offline above
      // already says what it would. When the broker does not answer in time, the socket is dropped.
      const ended = await withTimeout(
        c.endAsync(false).then(() => true),
        Math.max(50, deadline - Date.now()),
      );
      if (!ended) c.stream?.destroy();
      client = undefined;
      c.removeAllListeners();
      c.on('error', () => {});
    },
  };
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([p.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export type UplinkProbe = { ok: true } | { ok: false; code: string; reason: string };

/**
 * One connection exactly as the uplink makes it (login, CA, MQTT options), under a client id of its
 * own so the running uplink keeps its session, and no Last Will; closed again at once.
 */
export function probeUplink(
  login: UplinkLogin,
  opts: { keepaliveS: number; timeoutMs: number },
): Promise<UplinkProbe> {
  return loadMqtt().then(
    (mqtt) =>
      new Promise((resolve) => {
        const c = mqtt.connect(
          login.url,
          uplinkClientOptions(login, {
            keepaliveS: opts.keepaliveS,
            connectTimeoutMs: opts.timeoutMs,
            clientId: `${login.clientId}.test`,
          }),
        );
        let error: UplinkProbe | undefined;
        let settled = false;
        const done = (r: UplinkProbe) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          c.removeAllListeners();
          c.on('error', () => {});
          if (r.ok) c.end(false, {}, () => resolve(r));
          else {
            c.end(true);
            resolve(r);
          }
        };
        // mqtt.js's own connect timeout covers the CONNACK; this one a broker that never finishes TLS.
        const timer = setTimeout(
          () => done(error ?? { ok: false, ...describeUplinkError(new Error('timeout'), login) }),
          opts.timeoutMs + 1000,
        );
        c.on('connect', () => done({ ok: true }));
        c.on('error', (err: Error & { code?: string | number }) => {
          error = { ok: false, ...describeUplinkError(err, login) };
          done(error);
        });
        c.on('close', () =>
          done(
            error ?? {
              ok: false,
              code: 'closed',
              reason: 'the broker closed the connection before answering',
            },
          ),
        );
      }),
  );
}
