// The tills of the fault soak: real mqtt.js clients in their default settings (reconnect every
// second, clean sessions), over TCP and WebSocket, each with its own login. A till does what a real
// till does when the box vanishes under it: mqtt.js reconnects and resends its unacknowledged
// publishes, and the till software re-sends every request it has no answer for, with the same
// transaction id, once it is connected again (and again if an answer is long overdue).
import mqtt, { type MqttClient } from 'mqtt';
import type { Answer } from '../../loyalty/crash/_rig.ts';

export interface Request {
  transaction: string;
  op: 'loyalty/turnover' | 'loyalty/identify';
  body: Record<string, unknown>;
  /** Every publish of this transaction (the first and the till's re-sends). */
  sends: number;
  lastSentAt: number;
  answers: Answer[];
}

export interface TillOptions {
  name: string;
  url: string;
  username: string;
  password: string;
  base: string;
  /** More topics to subscribe to (below `base`), each message handed to `on` with its arrival time
   * and the connection it came on (1, 2, … counted by this till). */
  watch?: { filters: string[]; on(topic: string, body: any, at: number, connection: number): void };
  /** A request unanswered this long while connected is sent again. */
  overdueMs: number;
}

export interface SoakTill {
  readonly name: string;
  readonly requests: Map<string, Request>;
  send(op: Request['op'], transaction: string, body: Record<string, unknown>): void;
  unanswered(): Request[];
  /** Re-sends every unanswered request now (after the box came back). */
  resendUnanswered(): number;
  /** Resolves once the client is connected and its subscriptions are in place. */
  connected(): Promise<void>;
  readonly reconnects: number;
  /** The connections this till has had so far (the current one's number). */
  readonly connection: number;
  readonly resends: number;
  end(): Promise<void>;
}

export function startTill(opts: TillOptions): SoakTill {
  const requests = new Map<string, Request>();
  let reconnects = 0;
  let resends = 0;
  let isUp = false;
  let everConnected = false;
  let connection = 0;
  let waiters: (() => void)[] = [];
  // mqtt.js in its defaults (reconnectPeriod 1000 ms, clean session, resubscribe), as tills run it.
  const client: MqttClient = mqtt.connect(opts.url, {
    username: opts.username,
    password: opts.password,
    clientId: `soak-${opts.name}-${process.pid}`,
  });
  // Every kill of the box ends the connection; mqtt.js reconnects by itself.
  client.on('error', () => {});
  const publish = (r: Request) => {
    r.sends++;
    r.lastSentAt = Date.now();
    client.publish(`${opts.base}/request/${r.op}`, JSON.stringify(r.body), { qos: 1 }, () => {});
  };
  const resendUnanswered = () => {
    let n = 0;
    for (const r of requests.values())
      if (r.answers.length === 0) {
        publish(r);
        n++;
      }
    resends += n;
    return n;
  };
  client.on('connect', () => {
    connection++;
    const first = !everConnected;
    everConnected = true;
    if (!first) reconnects++;
    // The subscription goes out before the re-sends on the same connection, so it is in place
    // when their answers come.
    const filters = [`${opts.base}/response/#`, ...(opts.watch?.filters ?? [])];
    client.subscribe(filters, { qos: 1 }, () => {
      isUp = true;
      if (!first) resendUnanswered();
      for (const w of waiters.splice(0)) w();
    });
  });
  client.on('close', () => {
    isUp = false;
  });
  client.on('message', (topic, payload) => {
    const at = Date.now();
    let body: any;
    try {
      body = JSON.parse(payload.toString());
    } catch {
      return;
    }
    if (!topic.startsWith(`${opts.base}/response/`)) return opts.watch?.on(topic, body, at, connection);
    requests.get(String(body.transaction))?.answers.push(body as Answer);
  });
  // A real till gives up waiting at some point and asks again, same transaction.
  const overdue = setInterval(() => {
    if (!isUp) return;
    const now = Date.now();
    for (const r of requests.values())
      if (r.answers.length === 0 && now - r.lastSentAt > opts.overdueMs) {
        publish(r);
        resends++;
      }
  }, 250);
  return {
    name: opts.name,
    requests,
    send(op, transaction, body) {
      const r: Request = {
        transaction,
        op,
        body: { transaction, ...body },
        sends: 0,
        lastSentAt: 0,
        answers: [],
      };
      requests.set(transaction, r);
      publish(r);
    },
    unanswered: () => [...requests.values()].filter((r) => r.answers.length === 0),
    resendUnanswered,
    connected: () => (isUp ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    get reconnects() {
      return reconnects;
    },
    get resends() {
      return resends;
    },
    get connection() {
      return connection;
    },
    async end() {
      clearInterval(overdue);
      waiters = [];
      await client.endAsync(true);
    },
  };
}
