// Environment overrides (DESIGN §9): tests outside the project and systemd drop-ins rely on these
// names. They win over the config file. Values are applied before validation, so a bad one is
// reported like any other setting, naming the variable it came from.

type EnvType = 'string' | 'number' | 'serial';

/** Variables that set one setting each; `doc` is the README's and `--help`'s line for it. */
export const ENV_SETTINGS: Readonly<Record<string, { path: string; type: EnvType; doc: string }>> = {
  EDGE_TILL_ID: { path: 'till_id', type: 'string', doc: "this till's id (base topic `pos/<till_id>`)" },
  EDGE_BRANCH_ID: { path: 'branch_id', type: 'string', doc: 'the branch (shop) the till belongs to' },
  EDGE_LOG_LEVEL: { path: 'log_level', type: 'string', doc: '`debug`, `info`, `warn`, `error` or `silent`' },
  EDGE_DATA_DIR: { path: 'data_dir', type: 'string', doc: 'data directory (outbox, secrets, config)' },
  EDGE_MQTT_HOST: { path: 'mqtt.host', type: 'string', doc: 'address the MQTT broker listens on' },
  EDGE_MQTT_PORT: { path: 'mqtt.port', type: 'number', doc: 'MQTT port (0 = any free port)' },
  EDGE_MQTT_WS_PORT: {
    path: 'mqtt.ws_port',
    type: 'number',
    doc: 'MQTT over WebSocket port (0 = any free port; unset = 9001 in demo mode, off when provisioned)',
  },
  EDGE_HTTP_HOST: {
    path: 'http.host',
    type: 'string',
    doc: 'address the status page listens on (the systemd unit sets `0.0.0.0`)',
  },
  EDGE_HTTP_PORT: { path: 'http.port', type: 'number', doc: 'status page port (0 = any free port)' },
  EDGE_PROVIDER_URL: {
    path: 'provider.url',
    type: 'string',
    doc: 'loyalty provider URL (unset = built-in simulator)',
  },
  EDGE_PROVIDER_API_KEY: {
    path: 'provider.api_key',
    type: 'string',
    doc: 'loyalty provider API key (a secret)',
  },
  EDGE_UPLINK_URL: { path: 'uplink.url', type: 'string', doc: 'central ops MQTT broker' },
  EDGE_SERIAL_DEVICES: {
    path: 'devices.serial',
    type: 'serial',
    doc: '`path=profileId,…`: serial devices auto-detection cannot see',
  },
};

/** Every variable the gateway reads for its users, with what it does: the settings above and those
 * of the process (the tests' own are in `TEST_ENVIRONMENT`). */
export const ENVIRONMENT: Readonly<Record<string, { setting?: string; doc: string }>> = {
  EDGE_CONFIG: { doc: 'config file path (default `<data dir>/config.json`)' },
  ...Object.fromEntries(
    Object.entries(ENV_SETTINGS).map(([name, e]) => [name, { setting: e.path, doc: e.doc }]),
  ),
  EDGE_FLEET_PASSWORD: {
    doc: '`edge-gateway fleet`: the password of `--username` on the ops broker (kept off the process list)',
  },
  NODE_ENV: { doc: '`production` runs the compiled `dist/` (set by the systemd unit)' },
  DEBUG: {
    doc: "the `debug` package's namespaces, e.g. `mqtt-packet:*`, read at start: unset, library debug calls cost nothing",
  },
  NOTIFY_SOCKET: { doc: 'set by systemd (`Type=notify`): where READY, RELOADING, STOPPING and WATCHDOG go' },
  WATCHDOG_USEC: {
    doc: 'set by systemd (`WatchdogSec=`): the watchdog period; pinged at half of it while healthy',
  },
  WATCHDOG_PID: { doc: 'set by systemd with `WATCHDOG_USEC`: the process the watchdog is meant for' },
  JOURNAL_STREAM: {
    doc: 'set by systemd when stdout/stderr is the journal: log lines then start with their syslog priority',
  },
};

/** Variables only the tests set: read by the gateway like the ones above, but kept out of what a
 * user reads (`--help`, the README's table), which list `ENVIRONMENT` alone. */
export const TEST_ENVIRONMENT: Readonly<Record<string, { doc: string }>> = {
  EDGE_TEST_HOOKS: { doc: 'tests only, ignored when `NODE_ENV=production`: `1` enables fault hooks' },
  EDGE_TEST_STALL_MS: { doc: 'tests only: how long the stall hook blocks (with `EDGE_TEST_HOOKS=1`)' },
};

export interface EnvApplied {
  input: Record<string, unknown>;
  /** setting path → variable name, for error messages. */
  sources: Map<string, string>;
}

/** Returns a copy of `input` with the environment's values set; empty variables count as unset. */
export function applyEnv(input: Record<string, unknown>, env: NodeJS.ProcessEnv): EnvApplied {
  const out = structuredClone(input);
  const sources = new Map<string, string>();
  for (const [name, spec] of Object.entries(ENV_SETTINGS)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    setPath(out, spec.path, convert(raw, spec.type));
    sources.set(spec.path, name);
  }
  return { input: out, sources };
}

function convert(raw: string, type: EnvType): unknown {
  if (type === 'number') return /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw;
  if (type === 'serial') {
    // `path=profileId,path2=profileId2`; a pair without `=` keeps an empty profile so validation
    // names it instead of it disappearing silently.
    return raw
      .split(',')
      .map((pair) => pair.trim())
      .filter(Boolean)
      .map((pair) => {
        const eq = pair.lastIndexOf('=');
        return eq < 0
          ? { path: pair, profile: '' }
          : { path: pair.slice(0, eq), profile: pair.slice(eq + 1) };
      });
  }
  return raw;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let cur = obj;
  for (const k of keys.slice(0, -1)) {
    const next = cur[k];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]!] = value;
}
