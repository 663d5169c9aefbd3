// `edge-gateway sub` / `edge-gateway pub`: the MQTT command-line clients a technician or a till
// developer tries the box with, bundled so a fresh machine needs no extra package. They take the
// flags of mosquitto_sub / mosquitto_pub (Debian package mosquitto-clients), so every command in the
// README works with either, and print what mosquitto_sub prints (`-v`: topic, a space, the payload).
import { parseArgs } from 'node:util';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { EXIT_CODES } from './errors.ts';

const connection = {
  host: { type: 'string', short: 'h', default: 'localhost' },
  port: { type: 'string', short: 'p', default: '1883' },
  username: { type: 'string', short: 'u' },
  pw: { type: 'string', short: 'P' },
  qos: { type: 'string', short: 'q', default: '0' },
  topic: { type: 'string', short: 't', multiple: true },
  help: { type: 'boolean' },
} as const;

const SUB_HELP = `edge-gateway sub -t TOPIC [-t TOPIC …] [-v] [-C COUNT] [-W SECONDS] [connection]
  prints every message on the topic filters (as mosquitto_sub does); -v: "topic payload";
  -C: exit after COUNT messages; -W: give up after SECONDS (exit 27)`;
const PUB_HELP = `edge-gateway pub -t TOPIC -m MESSAGE [-r] [connection]
  publishes one message (as mosquitto_pub does); -r: retained`;
const CONNECTION_HELP = `connection: -h HOST (localhost) -p PORT (1883) -u USERNAME -P PASSWORD -q QOS (0)`;

/** mosquitto_sub's exit code when -W runs out. */
const TIMED_OUT = 27;

type Parsed = { ok: true; values: Record<string, unknown> } | { ok: false; code: number };

function parse(args: string[], extra: Record<string, object>, help: string): Parsed {
  try {
    const { values } = parseArgs({ args, options: { ...connection, ...extra }, strict: true });
    if (values.help) {
      process.stdout.write(`${help}\n${CONNECTION_HELP}\n`);
      return { ok: false, code: EXIT_CODES.ok };
    }
    if (!Array.isArray(values.topic) || values.topic.length === 0) throw new Error('-t TOPIC is required');
    if (!['0', '1', '2'].includes(String(values.qos))) throw new Error('-q must be 0, 1 or 2');
    return { ok: true, values };
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${help}\n${CONNECTION_HELP}\n`);
    return { ok: false, code: EXIT_CODES.usage };
  }
}

async function connect(values: Record<string, unknown>): Promise<MqttClient | undefined> {
  const opts: IClientOptions = {
    host: String(values.host),
    port: Number(values.port),
    reconnectPeriod: 0,
    connectTimeout: 5000,
  };
  if (typeof values.username === 'string') opts.username = values.username;
  if (typeof values.pw === 'string') opts.password = values.pw;
  try {
    return await mqtt.connectAsync(opts);
  } catch (err) {
    process.stderr.write(`Error: ${(err as Error).message}\n`);
    return undefined;
  }
}

export async function subCommand(args: string[]): Promise<number> {
  const parsed = parse(
    args,
    {
      verbose: { type: 'boolean', short: 'v' },
      count: { type: 'string', short: 'C' },
      timeout: { type: 'string', short: 'W' },
    },
    SUB_HELP,
  );
  if (!parsed.ok) return parsed.code;
  const { values } = parsed;
  const client = await connect(values);
  if (!client) return EXIT_CODES.failure;
  const limit = values.count === undefined ? Number.POSITIVE_INFINITY : Number(values.count);
  return new Promise<number>((resolve) => {
    let seen = 0;
    let ending = false;
    const finish = (code: number) => {
      ending = true;
      client.end(false, () => resolve(code));
    };
    if (values.timeout !== undefined) setTimeout(() => finish(TIMED_OUT), Number(values.timeout) * 1000);
    process.once('SIGINT', () => finish(EXIT_CODES.ok));
    process.once('SIGTERM', () => finish(EXIT_CODES.ok));
    client.on('message', (topic, payload) => {
      if (seen >= limit) return;
      seen++;
      process.stdout.write(values.verbose ? `${topic} ${payload.toString()}\n` : `${payload.toString()}\n`);
      if (seen >= limit) finish(EXIT_CODES.ok);
    });
    client.on('close', () => {
      if (ending) return;
      process.stderr.write('Error: the connection was closed\n');
      resolve(EXIT_CODES.failure);
    });
    const qos = Number(values.qos) as 0 | 1 | 2;
    client.subscribeAsync(values.topic as string[], { qos }).catch((err: Error & { packet?: unknown }) => {
      // SUBACK 0x80: the broker's ACL refused a filter (a till may subscribe only below its base).
      // mqtt.js rejects with the SUBACK packet attached (ErrorWithSubackPacket).
      const granted = (err.packet as { granted?: unknown } | undefined)?.granted;
      const refused =
        Array.isArray(granted) && granted.some((g) => typeof g === 'number' && (g & 0x80) !== 0);
      process.stderr.write(
        refused
          ? 'Subscription refused by the broker: a till may subscribe only below its own base, e.g. pos/<till_id>/#\n'
          : `Error: ${err.message}\n`,
      );
      finish(EXIT_CODES.failure);
    });
  });
}

export async function pubCommand(args: string[]): Promise<number> {
  const parsed = parse(
    args,
    { message: { type: 'string', short: 'm' }, retain: { type: 'boolean', short: 'r' } },
    PUB_HELP,
  );
  if (!parsed.ok) return parsed.code;
  const { values } = parsed;
  if (typeof values.message !== 'string') {
    process.stderr.write(`-m MESSAGE is required\n${PUB_HELP}\n`);
    return EXIT_CODES.usage;
  }
  const client = await connect(values);
  if (!client) return EXIT_CODES.failure;
  try {
    const qos = Number(values.qos) as 0 | 1 | 2;
    for (const topic of values.topic as string[]) {
      await client.publishAsync(topic, values.message, { qos, retain: values.retain === true });
    }
    return EXIT_CODES.ok;
  } catch (err) {
    process.stderr.write(`Error: ${(err as Error).message}\n`);
    return EXIT_CODES.failure;
  } finally {
    await client.endAsync();
  }
}
