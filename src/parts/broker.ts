// The embedded MQTT broker every till talks to (DESIGN §3). Restarted alone when the till logins
// or its listeners change (src/parts/apply.ts): every till reconnects and logs in again, so a
// login taken away ends its connection. What it held is handed to the next broker: its retained
// messages (catalogue, state, devices, health: nothing else republishes them until they change),
// the tills' persistent sessions (subscriptions, QoS 1 messages queued meanwhile; src/mqtt/
// sessions.ts) with the count of what waits for tills that are away (src/mqtt/offline-sessions.ts),
// what it counted for /metrics, and the ports it was given when the settings asked for any free one
// (port 0), so tills find it where it was.
import { wsPortOf } from '../config/schema.ts';
import { type BrokerCounts, startBroker } from '../mqtt/broker.ts';
import type { Sessions } from '../mqtt/sessions.ts';
import { matchTopic } from '../mqtt/topics.ts';
import type { Part } from './part.ts';

interface Handover {
  sessions: Sessions;
  counts: BrokerCounts;
  port: number;
  wsPort: number | null;
}

export const brokerPart: Part = {
  name: 'broker',
  settings: [
    'mqtt.host',
    'mqtt.port',
    'mqtt.ws_port',
    'mqtt.users',
    'mqtt.max_queued_messages',
    'mqtt.session_expiry_s',
    'mqtt.drain_timeout_ms',
    'mqtt.login_limit',
  ],
  async start(ctx, handover) {
    const { settings, demo } = ctx;
    const before = handover as Handover | undefined;
    const wsPort = wsPortOf(settings);
    const broker = await startBroker({
      host: settings.mqtt.host,
      port: settings.mqtt.port === 0 && before ? before.port : settings.mqtt.port,
      wsPort: wsPort === 0 && before?.wsPort ? before.wsPort : wsPort,
      prefix: settings.mqtt.topic_prefix,
      tillId: settings.till_id,
      users: settings.mqtt.users,
      demo,
      drainTimeoutMs: settings.mqtt.drain_timeout_ms,
      loginGuard: {
        maxFailures: settings.mqtt.login_limit.max_failures,
        windowS: settings.mqtt.login_limit.window_s,
        blockS: settings.mqtt.login_limit.block_s,
      },
      requests: (topic, payload) => {
        const op = matchTopic(ctx.base, 'request', topic)?.op;
        // Settles once answered: a QoS 1 request is acknowledged then (src/mqtt/acks.ts).
        return op === undefined ? undefined : ctx.router.dispatch(op, payload);
      },
      sessions: before?.sessions,
      counts: before?.counts,
      offlineLimits: {
        maxQueued: settings.mqtt.max_queued_messages,
        expiryS: settings.mqtt.session_expiry_s,
      },
      logger: ctx.logger.child({ part: 'broker' }),
    });
    ctx.provide('broker', broker);
    return {
      async stop(): Promise<Handover> {
        await broker.close();
        return {
          sessions: broker.sessions(),
          counts: broker.counts(),
          port: broker.port,
          wsPort: broker.wsPort,
        };
      },
      ready: { mqtt_port: broker.port, mqtt_ws_port: broker.wsPort },
    };
  },
};
