// Environment overrides (DESIGN §9): tests outside the project and systemd drop-ins rely on these
// names. They win over the config file. Values are applied before validation, so a bad one is
// reported like any other setting, naming the variable it came from.

export const ENV_SETTINGS: Readonly<Record<string, { path: string; type: 'string' | 'number' | 'serial' }>> =
  {
    EDGE_TILL_ID: { path: 'till_id', type: 'string' },
    EDGE_BRANCH_ID: { path: 'branch_id', type: 'string' },
    EDGE_LOG_LEVEL: { path: 'log_level', type: 'string' },
    EDGE_DATA_DIR: { path: 'data_dir', type: 'string' },
    EDGE_MQTT_HOST: { path: 'mqtt.host', type: 'string' },
    EDGE_MQTT_PORT: { path: 'mqtt.port', type: 'number' },
    EDGE_MQTT_WS_PORT: { path: 'mqtt.ws_port', type: 'number' },
    EDGE_HTTP_HOST: { path: 'http.host', type: 'string' },
    EDGE_HTTP_PORT: { path: 'http.port', type: 'number' },
    EDGE_PROVIDER_URL: { path: 'provider.url', type: 'string' },
    EDGE_PROVIDER_API_KEY: { path: 'provider.api_key', type: 'string' },
    EDGE_UPLINK_URL: { path: 'uplink.url', type: 'string' },
    EDGE_SERIAL_DEVICES: { path: 'devices.serial', type: 'serial' },
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

function convert(raw: string, type: 'string' | 'number' | 'serial'): unknown {
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
