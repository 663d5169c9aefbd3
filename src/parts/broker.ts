// The embedded MQTT broker every till talks to (DESIGN §3).
import { wsPortOf } from '../config/schema.ts';
import { startBroker } from '../mqtt/broker.ts';
import type { Part } from './part.ts';

export const brokerPart: Part = {
  name: 'broker',
  async start(ctx) {
    const { settings, demo } = ctx;
    const broker = await startBroker({
      host: settings.mqtt.host,
      port: settings.mqtt.port,
      wsPort: wsPortOf(settings),
      prefix: settings.mqtt.topic_prefix,
      tillId: settings.till_id,
      users: settings.mqtt.users,
      demo,
      loginGuard: {
        maxFailures: settings.mqtt.login_limit.max_failures,
        windowS: settings.mqtt.login_limit.window_s,
        blockS: settings.mqtt.login_limit.block_s,
      },
      logger: ctx.logger.child({ part: 'broker' }),
    });
    ctx.provide('broker', broker);
    return { stop: () => broker.close(), ready: { mqtt_port: broker.port, mqtt_ws_port: broker.wsPort } };
  },
};
