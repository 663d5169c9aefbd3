// Which parts a settings change restarts (src/parts/apply.ts), for every kind of change a
// technician makes, and the changes that still restart the whole gateway.
import test from 'ava';
import type { LoadedConfig } from '../../src/config/load.ts';
import { isDemoMode, settingsSchema } from '../../src/config/schema.ts';
import { PARTS } from '../../src/gateway.ts';
import { changedPaths, planApply } from '../../src/parts/apply.ts';
import type { Part } from '../../src/parts/part.ts';

const LOGIN = { username: 'till-1', password_hash: 'scrypt$16384$8$1$c2FsdHNhbHQ=$aGFzaGhhc2g=' };

function loaded(input: Record<string, unknown>, where = '/box'): LoadedConfig {
  const settings = { ...settingsSchema().parse(input), data_dir: `${where}/data` };
  return {
    settings,
    configPath: `${where}/config.json`,
    configExists: true,
    dataDir: `${where}/data`,
    demo: isDemoMode(settings),
    store: undefined as never,
  };
}

const BASE = {
  till_id: 'T1',
  branch_id: 'B1',
  mqtt: { users: [LOGIN] },
  provider: { url: 'https://a.example/api', api_key: 'key-a' },
  uplink: { url: 'mqtt://ops.example:1883', password: 'ops-a' },
};

const plan = (patch: Record<string, unknown>) =>
  planApply(PARTS, loaded(BASE), loaded(merge(BASE, patch) as Record<string, unknown>));

function merge(a: unknown, b: unknown): unknown {
  if (
    typeof a !== 'object' ||
    a === null ||
    Array.isArray(a) ||
    typeof b !== 'object' ||
    b === null ||
    Array.isArray(b)
  ) {
    return b;
  }
  const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
  for (const [k, v] of Object.entries(b)) out[k] = merge(out[k], v);
  return out;
}

const parts = (patch: Record<string, unknown>) => {
  const p = plan(patch);
  return p.kind === 'parts' ? p.restart : p.kind;
};

test('a new provider URL or key restarts loyalty and republishes the catalogue; broker, uplink and page keep running', (t) => {
  t.deepEqual(parts({ provider: { url: 'https://b.example/api' } }), ['loyalty', 'info']);
  t.deepEqual(parts({ provider: { api_key: 'key-b' } }), ['loyalty', 'info']);
  t.deepEqual(parts({ outbox: { concurrency: 2 } }), ['loyalty', 'info']);
});

test('new till logins restart the broker (with its request subscription) only', (t) => {
  const other = { ...LOGIN, username: 'till-2' };
  t.deepEqual(parts({ mqtt: { users: [LOGIN, other] } }), ['broker', 'info']);
  t.deepEqual(parts({ mqtt: { port: 1884 } }), ['broker', 'info']);
});

test('a new stuck-till limit (mqtt.drain_timeout_ms) restarts the broker only', (t) => {
  t.deepEqual(parts({ mqtt: { drain_timeout_ms: 1000 } }), ['broker', 'info']);
});

test('a new MQTT login limit (mqtt.login_limit) restarts the broker only, not the whole gateway', (t) => {
  t.deepEqual(parts({ mqtt: { login_limit: { max_failures: 10 } } }), ['broker', 'info']);
  t.deepEqual(parts({ mqtt: { login_limit: { block_s: 300 } } }), ['broker', 'info']);
});

test('an uplink change restarts the uplink only; its intervals restart the sampler that reads them', (t) => {
  t.deepEqual(parts({ uplink: { url: 'mqtts://ops2.example:8883' } }), ['uplink', 'info']);
  t.deepEqual(parts({ uplink: { password: 'ops-b' } }), ['uplink', 'info']);
  t.deepEqual(parts({ uplink: { health_interval_s: 30 } }), ['uplink', 'health', 'info']);
  t.deepEqual(parts({ uplink: { inventory_interval_s: 0 } }), ['uplink', 'inventory', 'info']);
});

test("a part holding a restarted part's service restarts with it: the scan pipeline takes its listeners along", (t) => {
  t.deepEqual(parts({ loyalty: { duplicate_window_ms: 500 } }), [
    'scans',
    'metrics',
    'devices',
    'loyalty',
    'web',
    'info',
  ]);
  t.deepEqual(parts({ http: { port: 8081 } }), ['web', 'info']);
});

test('no setting restarts the request router: its size limit is read at each request', (t) => {
  // A new router would leave the request topics without a subscriber for a moment (test/parts/
  // apply-gap.test.ts); so its part reads no setting at start and holds no other part's service.
  t.deepEqual(parts({ mqtt: { max_payload_bytes: 4096 } }), ['info']);
  const router = PARTS.find((p) => p.name === 'requests');
  t.deepEqual([router?.settings ?? [], router?.uses ?? []], [[], []]);
});

test('till id, branch, topic prefix, data dir, log level and demo mode on or off restart the whole gateway', (t) => {
  t.like(plan({ till_id: 'T2' }), { kind: 'whole', reason: 'till_id changed' });
  t.like(plan({ branch_id: 'B2' }), { kind: 'whole', reason: 'branch_id changed' });
  t.like(plan({ mqtt: { topic_prefix: 'shop' } }), { kind: 'whole', reason: 'mqtt.topic_prefix changed' });
  t.like(plan({ log_level: 'debug' }), { kind: 'whole', reason: 'log_level changed' });
  t.like(plan({ mqtt: { users: [] } }), { kind: 'whole', reason: 'demo mode turned on' });
  t.like(planApply(PARTS, loaded(BASE), loaded(BASE, '/elsewhere')), { kind: 'whole' });
  t.deepEqual(plan({}), { kind: 'unchanged' });
  // Read from the files at each use: nothing restarts for a new technician password.
  t.deepEqual(parts({ technician: { password_hash: LOGIN.password_hash } }), ['info']);
});

test('a setting that no part declares restarts the whole gateway rather than nothing', (t) => {
  const without = PARTS.map((p): Part => (p.name === 'loyalty' ? { ...p, settings: [] } : p));
  const next = loaded(merge(BASE, { provider: { timeout_ms: 500 } }) as Record<string, unknown>);
  t.deepEqual(planApply(without, loaded(BASE), next), {
    kind: 'whole',
    reason: 'no part declares provider.timeout_ms',
    changed: ['provider.timeout_ms'],
  });
});

test('changed paths go down to the leaves; a list of logins is one leaf', (t) => {
  t.deepEqual(changedPaths({ a: { b: 1, c: [1] }, d: 1 }, { a: { b: 2, c: [1, 2] }, d: 1, e: 0 }), [
    'a.b',
    'a.c',
    'e',
  ]);
  t.deepEqual(changedPaths({ a: 1 }, { a: 1 }), []);
});
