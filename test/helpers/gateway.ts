// Starts a real gateway in-process on free ports with a temp data dir, plus real mqtt.js clients.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { loadConfig } from '../../src/config/load.ts';
import { hashPassword } from '../../src/config/password.ts';
import type { HidBackend } from '../../src/devices/backends/types.ts';
import { type Gateway, startGateway } from '../../src/gateway.ts';
import { createLogger, type Logger } from '../../src/log.ts';
import type { WebHost } from '../../src/web/context.ts';
import { createSessionStore } from '../../src/web/session-store.ts';
import { tempDir } from './cleanup.ts';
import { withDeadline } from './deadline.ts';

/** A gateway's stop ends in well under a second; on a loaded machine a few. */
export const STOP_DEADLINE_MS = 30_000;
/** A till's clean disconnect: a DISCONNECT packet, or nothing when the box is already gone. */
export const END_DEADLINE_MS = 10_000;

class FakeHidNone implements HidBackend {
  async list() {
    return [];
  }
  async open(): Promise<never> {
    throw new Error('no HID devices in this test');
  }
}

export interface TestGateway {
  gateway: Gateway;
  dataDir: string;
  lines: string[];
  url: string;
  /** MQTT over WebSocket, when the gateway serves it. */
  wsUrl: string | null;
  stop(): Promise<void>;
}

// Temporary data dirs: removed when the test process ends (test/helpers/cleanup.ts).
export { tempDir };

/** A logger that keeps its JSON lines for assertions. */
export function collectingLogger(level: 'debug' | 'info' = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger({ level, write: (l) => lines.push(l) }), lines };
}

export interface StartOptions {
  config?: Record<string, unknown>;
  hid?: HidBackend;
  env?: NodeJS.ProcessEnv;
  /** Written to the data dir's 0600 secrets file (e.g. `{uplink: {password}}`). */
  secrets?: Record<string, unknown>;
  /** Till logins to provision: username → [password, tillId?]. */
  users?: Record<string, { password: string; till_id?: string }>;
  /** The web part's process-long state (sessions), when a test needs to reach into it. */
  web?: WebHost;
  /** Start on this data dir (a restart: outbox, secrets and state of an earlier gateway); default a fresh one. */
  dataDir?: string;
}

export async function startTestGateway(opts: StartOptions = {}): Promise<TestGateway> {
  const dataDir = opts.dataDir ?? tempDir();
  const users = await Promise.all(
    Object.entries(opts.users ?? {}).map(async ([username, u]) => ({
      username,
      password_hash: await hashPassword(u.password),
      ...(u.till_id ? { till_id: u.till_id } : {}),
    })),
  );
  const config = {
    ...opts.config,
    mqtt: { port: 0, ...((opts.config?.mqtt as object) ?? {}), ...(users.length ? { users } : {}) },
    http: { port: 0, ...((opts.config?.http as object) ?? {}) },
  };
  const configPath = join(dataDir, 'config.json');
  writeFileSync(configPath, JSON.stringify(config));
  if (opts.secrets)
    writeFileSync(join(dataDir, 'secrets.json'), JSON.stringify(opts.secrets), { mode: 0o600 });
  const { logger, lines } = collectingLogger();
  const loaded = await loadConfig({ configPath, dataDir, env: opts.env ?? {}, logger });
  // Tests never touch the machine's real USB devices: HID is the fake (or off), serial is real.
  const gateway = await startGateway({
    config: loaded,
    logger,
    hidBackend: opts.hid ?? new FakeHidNone(),
    // The collected lines double as the web part's recent logs (diagnostics bundle).
    web: opts.web ?? {
      sessions: createSessionStore(),
      startedAt: Date.now(),
      logs: { push() {}, lines: () => lines },
    },
  });
  return {
    gateway,
    dataDir,
    lines,
    url: `mqtt://127.0.0.1:${gateway.mqttPort}`,
    wsUrl: gateway.mqttWsPort === null ? null : `ws://127.0.0.1:${gateway.mqttWsPort}/mqtt`,
    stop: () =>
      withDeadline(
        gateway.stop(),
        STOP_DEADLINE_MS,
        () => `gateway stop did not finish; its last log lines:\n${lines.slice(-8).join('\n')}`,
      ),
  };
}

export async function connect(
  url: string,
  opts: mqtt.IClientOptions = {},
  endDeadlineMs = END_DEADLINE_MS,
): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  // mqtt.js's end() waits for every QoS 1 publish of the till to be acknowledged, without limit:
  // with the box gone and no reconnect that is for ever. Say so instead.
  const endAsync = client.endAsync.bind(client);
  client.endAsync = ((...args: Parameters<MqttClient['endAsync']>) =>
    withDeadline(endAsync(...args), endDeadlineMs, () => {
      const waiting = Object.keys(client.outgoing);
      return `till ${client.options.clientId}: endAsync() did not finish; ${waiting.length} packet(s) still wait for their acknowledgement (message ids ${waiting.join(', ') || 'none'}), connected: ${client.connected}`;
    })) as MqttClient['endAsync'];
  return client;
}

/** Resolves with the next `count` messages on `filter` (subscribing first). */
export async function nextMessages(
  client: MqttClient,
  filter: string,
  count = 1,
  timeoutMs = 5000,
): Promise<{ topic: string; payload: any; retain: boolean }[]> {
  const got: { topic: string; payload: any; retain: boolean }[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('message', onMessage);
      reject(new Error(`timed out waiting for ${count} message(s) on ${filter}, got ${got.length}`));
    }, timeoutMs);
    const onMessage = (topic: string, payload: Buffer, packet: { retain: boolean }) => {
      if (!topicMatches(filter, topic)) return;
      let body: unknown;
      try {
        body = JSON.parse(payload.toString());
      } catch {
        body = payload.toString();
      }
      got.push({ topic, payload: body, retain: packet.retain });
      if (got.length >= count) {
        clearTimeout(timer);
        client.off('message', onMessage);
        resolve(got);
      }
    };
    client.on('message', onMessage);
    client.subscribeAsync(filter, { qos: 1 }).catch(reject);
  });
}

export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** Collects every message on a filter until `stop()`; for "exactly one" assertions. */
export async function recorder(client: MqttClient, filter: string) {
  const messages: { topic: string; payload: any }[] = [];
  const onMessage = (topic: string, payload: Buffer) => {
    if (!topicMatches(filter, topic)) return;
    let body: unknown;
    try {
      body = JSON.parse(payload.toString());
    } catch {
      body = payload.toString();
    }
    messages.push({ topic, payload: body });
  };
  client.on('message', onMessage);
  await client.subscribeAsync(filter, { qos: 1 });
  return {
    filter,
    client,
    messages,
    stop: () => client.off('message', onMessage),
    async waitFor(n: number, timeoutMs = 5000) {
      const start = Date.now();
      while (messages.length < n) {
        if (Date.now() - start > timeoutMs)
          throw new Error(`expected ${n} messages on ${filter}, got ${messages.length}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return messages;
    },
    /** The first message (already recorded or still to come) that satisfies `pred`. */
    async until(pred: (m: { topic: string; payload: any }) => boolean, timeoutMs = 5000) {
      const start = Date.now();
      for (;;) {
        const hit = messages.find(pred);
        if (hit) return hit;
        if (Date.now() - start > timeoutMs) throw new Error(`no matching message on ${filter}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls a condition of the running system until it holds; fails after a generous deadline. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export type Recorder = Awaited<ReturnType<typeof recorder>>;

let settleSeq = 0;

/**
 * Resolves once everything the gateway published before the call has reached the recorder, for
 * "nothing more arrives" checks instead of a sleep: a test scan goes through the same pipeline and
 * the same connection, so its scan event and its answer arrive after anything published earlier.
 * Returns the marker, so the caller can leave the barrier's own messages out of its counts.
 */
export async function settled(rec: Recorder, tillId: string, timeoutMs = 10_000): Promise<string> {
  const marker = `settled-${process.pid}-${++settleSeq}`;
  const scanTopic = `pos/${tillId}/scan`;
  const answerTopic = `pos/${tillId}/response/gateway/test_scan`;
  const waits: ((m: { topic: string; payload: any }) => boolean)[] = [];
  if (topicMatches(rec.filter, scanTopic))
    waits.push((m) => m.topic === scanTopic && m.payload.text === marker);
  if (topicMatches(rec.filter, answerTopic))
    waits.push((m) => m.topic === answerTopic && m.payload.transaction === marker);
  if (waits.length === 0)
    throw new Error(`settled: ${rec.filter} hears neither test scans nor their answers`);
  await rec.client.publishAsync(
    `pos/${tillId}/request/gateway/test_scan`,
    JSON.stringify({ transaction: marker, text: marker }),
    { qos: 1 },
  );
  for (const w of waits) await rec.until(w, timeoutMs);
  return marker;
}

/** Messages of a recorder without those of `settled` barriers. */
export function withoutBarriers<T extends { payload: any }>(messages: T[]): T[] {
  const isMarker = (v: unknown) => typeof v === 'string' && v.startsWith('settled-');
  return messages.filter((m) => !isMarker(m.payload?.transaction) && !isMarker(m.payload?.text));
}
