// A fleet view's connection (DESIGN §8): subscribes to every box's state, health, heartbeat and
// events on the central broker and feeds the fleet model. Shared by `edge-gateway fleet` and the fleet benchmark.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { uplinkFleetFilter } from '../mqtt/topics.ts';
import { createFleetModel, type FleetModel } from './model.ts';

export interface FleetViewOptions {
  url: string;
  username?: string;
  password?: string;
  ca?: Buffer;
  prefix: string;
  /** Ride out broker restarts (a watching view) or fail at the first loss (a one-shot run). */
  reconnect: boolean;
  /** More filters on the same connection (e.g. `$SYS/#`); their messages go to `onOther`. */
  extra?: string[];
  onOther?(topic: string, payload: Buffer): void;
}

export interface FleetView {
  client: MqttClient;
  model: FleetModel;
  /**
   * Resolves once no retained message came for `quietMs`: the broker's stored state has arrived.
   * Live messages do not count (the broker flags only stored ones as retained on delivery), so a
   * busy fleet whose healths never pause still settles.
   */
  settled(quietMs: number): Promise<void>;
}

export async function openFleetView(opts: FleetViewOptions): Promise<FleetView> {
  const model = createFleetModel({ prefix: opts.prefix });
  const prefixSlash = `${opts.prefix}/`;
  const options: IClientOptions = {
    clientId: `edge-fleet-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
    username: opts.username,
    password: opts.password,
    clean: true,
    reconnectPeriod: opts.reconnect ? 2000 : 0,
    connectTimeout: 10_000,
    ...(opts.ca ? { ca: opts.ca, rejectUnauthorized: true } : {}),
  };
  const client = mqtt.connect(opts.url, options);
  let lastRetainedAt = Date.now();
  client.on('message', (topic, payload, packet) => {
    const now = Date.now();
    if (packet.retain) lastRetainedAt = now;
    if (topic.startsWith(prefixSlash)) model.apply(topic, payload, packet.retain, now);
    else opts.onOther?.(topic, payload);
  });
  let onError: (err: Error) => void = () => {};
  let onClose: () => void = () => {};
  try {
    await new Promise<void>((resolve, reject) => {
      onError = reject;
      onClose = () => reject(new Error(`cannot reach ${opts.url.replace(/\/\/[^@/]*@/, '//')}`));
      client.once('connect', () => resolve());
      client.on('error', onError);
      client.on('close', onClose);
    });
    // QoS 0: the retained state of a whole fleet arrives at once; QoS 1 would pass through the
    // broker's per-client queue (Mosquitto: 1,000 messages) and lose the rest.
    await client.subscribeAsync(
      [
        ...(['state', 'health', 'heartbeat', 'events'] as const).map((n) =>
          uplinkFleetFilter(opts.prefix, n),
        ),
        ...(opts.extra ?? []),
      ],
      { qos: 0 },
    );
  } catch (err) {
    client.end(true);
    throw err;
  } finally {
    client.off('error', onError);
    client.off('close', onClose);
  }
  client.on('error', () => {}); // a watching view shows the link in its header and reconnects
  // While the view itself is cut off, silence says nothing about the boxes.
  client.on('close', () => model.link(false, Date.now()));
  client.on('connect', () => model.link(true, Date.now()));
  return {
    client,
    model,
    async settled(quietMs) {
      lastRetainedAt = Date.now();
      while (Date.now() - lastRetainedAt < quietMs)
        await new Promise((r) => setTimeout(r, Math.min(100, quietMs)));
    },
  };
}
