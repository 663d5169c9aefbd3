// `edge-gateway fleet --broker URL`: every till of every branch from the central broker
// (DESIGN §8). In a terminal the table refreshes live (keys: s sort, f state filter, q quit);
// piped, it prints once when the broker's retained state has arrived; `--json` for scripts,
// `--json --watch` one JSON line per change.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type RowQuery, SORT_KEYS, type SortKey, STATE_FILTERS, type StateFilter } from './model.ts';
import { renderTable } from './render.ts';
import { type FleetView, openFleetView } from './view.ts';

export const FLEET_HELP = `edge-gateway fleet --broker URL [options]   every till of every branch from the ops broker

  --broker URL          mqtt://, mqtts://, ws:// or wss:// URL of the central broker
  --username NAME       login (password from EDGE_FLEET_PASSWORD or --password-file)
  --password-file FILE  file holding the password
  --ca FILE             PEM of the CA the broker's certificate must chain to
  --prefix P            topic prefix of the boxes (default edge)
  --branch B[,B…]       only these branches
  --state S             all, online, offline, silent, stale or alarm
  --sort K              branch, state, backlog, age, last_seen or till
  --json                JSON for scripts: {summary, tills}
  --watch               keep running (default in a terminal); with --json one line per change
  --settle-ms N         piped: print once no retained message came for N ms (default 1000)
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
  const broker = values.broker.replace(/\/\/[^@/]*@/, '//');

  let view: FleetView;
  try {
    view = await openFleetView({
      url: values.broker,
      username: values.username,
      password,
      ca,
      prefix,
      reconnect: watch,
    });
  } catch (err) {
    io.stderr.write(`edge-gateway fleet: ${(err as Error).message}\n`);
    return 1;
  }
  const { client, model } = view;

  if (!watch) {
    await view.settled(settleMs);
    await client.endAsync();
    // The caller exits right after: a pipe must have taken all of a large fleet first.
    await new Promise<void>((resolve) => out.write(print(values.json === true), () => resolve()));
    return 0;
  }

  function print(json: boolean): string {
    const now = Date.now();
    if (json) {
      return (
        JSON.stringify({
          ts: new Date(now).toISOString(),
          summary: model.summary(now),
          tills: model.rows(query, now),
        }) + '\n'
      );
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
    return tty ? `\x1b[H\x1b[2J${text}` : text;
  }

  return new Promise<number>((resolve) => {
    let printed = -1;
    const timer = setInterval(() => {
      // A terminal redraws every second (ages move); JSON lines only when something changed
      // (a till going silent is a change, found by the tick).
      model.tick(Date.now());
      if (values.json && printed === model.version) return;
      printed = model.version;
      out.write(print(values.json === true));
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
        out.write(print(false));
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
