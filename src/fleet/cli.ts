// `edge-gateway fleet --broker URL`: every till of every branch from the central broker
// (DESIGN §8). In a terminal the table refreshes live (keys: s sort, f state filter, q quit);
// piped, it prints once when the broker's retained state has arrived; `--json` for scripts,
// `--json --watch` one JSON line per change.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import mqtt, { type IClientOptions } from 'mqtt';
import { uplinkFleetFilter } from '../mqtt/topics.ts';
import {
  createFleetModel,
  type RowQuery,
  SORT_KEYS,
  type SortKey,
  STATE_FILTERS,
  type StateFilter,
} from './model.ts';
import { renderTable } from './render.ts';

export const FLEET_HELP = `edge-gateway fleet --broker URL [options]   every till of every branch from the ops broker

  --broker URL          mqtt://, mqtts://, ws:// or wss:// URL of the central broker
  --username NAME       login (password from EDGE_FLEET_PASSWORD or --password-file)
  --password-file FILE  file holding the password
  --ca FILE             PEM of the CA the broker's certificate must chain to
  --prefix P            topic prefix of the boxes (default edge)
  --branch B[,B…]       only these branches
  --state S             all, online, offline, stale or alarm
  --sort K              branch, state, backlog, age, last_seen or till
  --json                JSON for scripts: {summary, tills}
  --watch               keep running (default in a terminal); with --json one line per change
  --settle-ms N         piped: print once no new message came for N ms (default 1000)
`;

export interface FleetIo {
  stdout: NodeJS.WriteStream | NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin?: NodeJS.ReadStream;
  env: NodeJS.ProcessEnv;
}

export async function fleetCommand(argv: string[], io: FleetIo): Promise<number> {
  let values: ReturnType<typeof parse>['values'];
  try {
    ({ values } = parse(argv));
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n\n${FLEET_HELP}`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(FLEET_HELP);
    return 0;
  }
  const problem = (msg: string) => {
    io.stderr.write(`${msg}\n\n${FLEET_HELP}`);
    return 2;
  };
  if (!values.broker || !/^(mqtts?|wss?|tcp|ssl):\/\/.+/.test(values.broker)) {
    return problem('--broker must be an mqtt://, mqtts://, ws:// or wss:// URL');
  }
  const sort = (values.sort ?? 'branch') as SortKey;
  if (!SORT_KEYS.includes(sort)) return problem(`--sort must be one of ${SORT_KEYS.join(', ')}`);
  const state = (values.state ?? 'all') as StateFilter;
  if (!STATE_FILTERS.includes(state)) return problem(`--state must be one of ${STATE_FILTERS.join(', ')}`);
  const settleMs = Number(values['settle-ms'] ?? 1000);
  if (!Number.isFinite(settleMs) || settleMs < 0)
    return problem('--settle-ms must be a number of milliseconds');

  let password = io.env.EDGE_FLEET_PASSWORD || undefined;
  let ca: Buffer | undefined;
  try {
    if (values['password-file']) password = readFileSync(values['password-file'], 'utf8').trim();
    if (values.ca) ca = readFileSync(values.ca);
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n`);
    return 1;
  }

  const prefix = values.prefix ?? 'edge';
  const query: RowQuery = {
    sort,
    state,
    branches: (values.branch ?? []).flatMap((b) => b.split(',')).filter(Boolean),
  };
  const out = io.stdout as NodeJS.WriteStream;
  const tty = out.isTTY === true && !values.json;
  const watch = values.watch === true || tty;
  const model = createFleetModel({ prefix });
  const broker = values.broker.replace(/\/\/[^@/]*@/, '//');

  const options: IClientOptions = {
    clientId: `edge-fleet-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
    username: values.username,
    password,
    clean: true,
    // A one-shot run fails fast; a watching view rides out broker restarts.
    reconnectPeriod: watch ? 2000 : 0,
    connectTimeout: 10_000,
    ...(ca ? { ca, rejectUnauthorized: true } : {}),
  };
  const client = mqtt.connect(values.broker, options);
  let lastMessageAt = Date.now();
  client.on('message', (topic, payload, packet) => {
    lastMessageAt = Date.now();
    model.apply(topic, payload, packet.retain, lastMessageAt);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
      client.once('close', () => reject(new Error(`cannot reach ${broker}`)));
    });
    // QoS 0: the retained state of a whole fleet arrives at once; QoS 1 would pass through the
    // broker's per-client queue (Mosquitto: 1,000 messages) and lose the rest.
    await client.subscribeAsync(
      (['state', 'health', 'events'] as const).map((n) => uplinkFleetFilter(prefix, n)),
      { qos: 0 },
    );
  } catch (err) {
    io.stderr.write(`edge-gateway fleet: ${(err as Error).message}\n`);
    client.end(true);
    return 1;
  }
  client.on('error', () => {}); // reconnects are shown in the header

  if (!watch) {
    lastMessageAt = Date.now();
    while (Date.now() - lastMessageAt < settleMs) await sleep(Math.min(100, settleMs));
    print(values.json === true);
    await client.endAsync();
    return 0;
  }

  function print(json: boolean) {
    const now = Date.now();
    if (json) {
      out.write(
        JSON.stringify({
          ts: new Date(now).toISOString(),
          summary: model.summary(now),
          tills: model.rows(query, now),
        }) + '\n',
      );
      return;
    }
    const text = renderTable(model.rows(query, now), model.summary(now), {
      // A pty without a size (script, some CI) reports 0 × 0.
      width: tty ? out.columns || 120 : Number.POSITIVE_INFINITY,
      height: tty ? out.rows || 40 : Number.POSITIVE_INFINITY,
      color: tty,
      nowMs: now,
      query,
      broker,
      connected: client.connected,
    });
    out.write(tty ? `\x1b[H\x1b[2J${text}` : text);
  }

  return new Promise<number>((resolve) => {
    let printed = -1;
    const timer = setInterval(() => {
      // A terminal redraws every second (ages move); JSON lines only when something changed.
      if (values.json && printed === model.version) return;
      printed = model.version;
      print(values.json === true);
    }, 1000);
    const quit = () => {
      clearInterval(timer);
      if (tty && io.stdin?.isTTY) io.stdin.setRawMode(false);
      io.stdin?.pause();
      client.end(true);
      resolve(0);
    };
    process.once('SIGINT', quit);
    process.once('SIGTERM', quit);
    if (tty && io.stdin?.isTTY) {
      io.stdin.setRawMode(true);
      io.stdin.resume();
      io.stdin.on('data', (d: Buffer) => {
        const key = d.toString();
        if (key === 'q' || key === '\u0003') return quit();
        if (key === 's') query.sort = next(SORT_KEYS, query.sort ?? 'branch');
        if (key === 'f') query.state = next(STATE_FILTERS, query.state ?? 'all');
        print(false);
      });
    }
  });
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: false,
    options: {
      broker: { type: 'string' },
      username: { type: 'string' },
      'password-file': { type: 'string' },
      ca: { type: 'string' },
      prefix: { type: 'string' },
      branch: { type: 'string', multiple: true },
      state: { type: 'string' },
      sort: { type: 'string' },
      json: { type: 'boolean' },
      watch: { type: 'boolean' },
      'settle-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

const next = <T>(list: readonly T[], cur: T): T => list[(list.indexOf(cur) + 1) % list.length]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
