// Provisioning (DESIGN §7, §9; issue 9): the settings a technician sets on site, changed through
// the one schema and written through the durable config store, from the page and the CLI alike.
// Secrets are write-only: a value replaces the stored one, an empty value keeps it; nothing here
// ever returns a secret. Till logins arrive with a plain password and are stored as scrypt hashes.
import type { Logger } from '../log.ts';
import { readJsonObject } from './durable-file.ts';
import { applyEnv } from './env.ts';
import { type ConfigProblem, describeValue, problemsFromZod } from './errors.ts';
import { hashPassword, verifyPassword } from './password.ts';
import { type Settings, settingsSchema } from './schema.ts';
import {
  deepMerge,
  readSecrets,
  redactSecrets,
  secretsPath,
  splitSecrets,
  withoutUrlPassword,
} from './secrets.ts';
import { completeInterruptedSettingsWrite, writeSettings } from './settings-write.ts';

/** The fields of the provisioning form, in the order a technician fills them in. */
export const PROVISION_FIELDS = [
  'till_id',
  'branch_id',
  'provider.url',
  'provider.api_key',
  'uplink.url',
  'uplink.username',
  'uplink.password',
  'mqtt.users',
] as const;
export type ProvisionField = (typeof PROVISION_FIELDS)[number];

const WRITE_ONLY = new Set<string>(['provider.api_key', 'uplink.password']);
const NULLABLE = new Set<string>(['provider.url', 'uplink.url']);
const URL_FIELDS = NULLABLE;

export interface TillLoginInput {
  username?: unknown;
  till_id?: unknown;
  /** Plain password; empty or absent keeps the stored hash of the same username. */
  password?: unknown;
}

export type ProvisionPatch = Partial<Record<ProvisionField, unknown>>;

export interface ProvisionTarget {
  configPath: string;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
}

export type ProvisionResult =
  /** `settings`: as the gateway will load them (environment applied; `data_dir` aside). */
  { ok: true; changed: string[]; settings: Settings } | { ok: false; problems: ConfigProblem[] };

/** What the form shows: current values (no secrets), which secrets are set, which env vars win. */
export async function provisionView(target: ProvisionTarget) {
  const raw = await currentRaw(target);
  const { sources } = applyEnv(raw, target.env);
  const values: Record<string, unknown> = {};
  const secrets: Record<string, boolean> = {};
  for (const f of PROVISION_FIELDS) {
    if (WRITE_ONLY.has(f)) secrets[f] = typeof getPath(raw, f) === 'string';
    else if (f === 'mqtt.users') {
      const users = (getPath(raw, f) as Record<string, unknown>[] | undefined) ?? [];
      values[f] = users.map((u) => ({
        username: u.username,
        till_id: u.till_id ?? null,
        password_set: typeof u.password_hash === 'string',
      }));
    } else {
      const v = getPath(raw, f) ?? null;
      values[f] = URL_FIELDS.has(f) && typeof v === 'string' ? withoutUrlPassword(v) : v;
    }
  }
  const env: Record<string, string> = {};
  for (const f of PROVISION_FIELDS) {
    const s = sources.get(f);
    if (s) env[f] = s;
  }
  return { fields: PROVISION_FIELDS, values: redactSecrets(values), secrets, env };
}

/** Validates the patch over the stored settings and, when valid, writes config and secrets. */
export async function provision(target: ProvisionTarget, patch: ProvisionPatch): Promise<ProvisionResult> {
  // A change interrupted earlier is finished first, so this one starts from what was asked then.
  await completeInterruptedSettingsWrite(target.configPath, target.logger);
  const raw = await currentRaw(target);
  const next = structuredClone(raw);
  const changed: string[] = [];
  const extra: ConfigProblem[] = [];
  for (const f of PROVISION_FIELDS) {
    if (!(f in patch)) continue;
    let v = patch[f];
    if (f === 'mqtt.users') {
      const users = await tillLogins(v, raw, extra);
      if (users) setPath(next, f, users);
    } else if (WRITE_ONLY.has(f)) {
      if (v === '' || v === undefined) continue; // write-only: empty keeps the stored secret
      if (v === null) deletePath(next, f);
      else setPath(next, f, v);
    } else {
      if (typeof v === 'string') v = v.trim();
      // The form got the URL without its password; sent back unchanged, the stored one stays.
      const stored = getPath(raw, f);
      if (URL_FIELDS.has(f) && typeof stored === 'string' && v === withoutUrlPassword(stored)) continue;
      if (v === '' && NULLABLE.has(f)) v = null;
      if (v === '' || v === undefined) deletePath(next, f);
      else setPath(next, f, v);
    }
    // Unset is its default (null, no logins): an empty field the technician left alone is no change.
    if (JSON.stringify(orUnset(next, f)) !== JSON.stringify(orUnset(raw, f))) changed.push(f);
  }
  // Validated as the gateway will see it at start: environment overrides applied, same messages.
  const { input, sources } = applyEnv(next, target.env);
  const parsed = settingsSchema().safeParse(input);
  // A path the form's own check named (a new login without a password) is named once, in its words.
  const named = new Set(extra.map((p) => p.path));
  const problems = [
    ...extra,
    ...(parsed.success
      ? []
      : problemsFromZod(parsed.error.issues, input, sources, target.configPath).filter(
          (p) => !named.has(p.path),
        )),
  ];
  if (problems.length || !parsed.success) return { ok: false, problems };
  const settings = parsed.data;
  if (changed.length === 0) return { ok: true, changed, settings };

  const { public: pub, secrets } = splitSecrets(next);
  await writeSettings(
    { configPath: target.configPath, secretsPath: secretsPath(target.dataDir) },
    pub,
    secrets,
    target.logger,
  );
  target.logger.info('settings provisioned', { changed });
  return { ok: true, changed, settings };
}

async function currentRaw(target: ProvisionTarget): Promise<Record<string, unknown>> {
  const file = (await readJsonObject(target.configPath)) ?? {};
  const secrets = await readSecrets(secretsPath(target.dataDir), target.logger);
  return deepMerge(file, secrets);
}

async function tillLogins(
  v: unknown,
  raw: Record<string, unknown>,
  problems: ConfigProblem[],
): Promise<Record<string, unknown>[] | undefined> {
  if (!Array.isArray(v)) {
    problems.push({
      path: 'mqtt.users',
      source: 'form',
      seen: describeValue(v),
      message: 'must be a list of till logins',
    });
    return undefined;
  }
  const stored = new Map(
    ((getPath(raw, 'mqtt.users') as Record<string, unknown>[] | undefined) ?? []).map((u) => [u.username, u]),
  );
  const out: Record<string, unknown>[] = [];
  for (const [i, entry] of (v as TillLoginInput[]).entries()) {
    const username = typeof entry?.username === 'string' ? entry.username.trim() : entry?.username;
    const user: Record<string, unknown> = { username };
    if (typeof entry?.till_id === 'string' && entry.till_id.trim()) user.till_id = entry.till_id.trim();
    const storedHash = stored.get(username)?.password_hash;
    if (typeof entry?.password === 'string' && entry.password !== '') {
      // The same password again (a provisioning command run twice, a script) keeps its hash: a new
      // salt would be reported as a changed login and restart the tills' broker for nothing.
      user.password_hash =
        typeof storedHash === 'string' && (await verifyPassword(entry.password, storedHash))
          ? storedHash
          : await hashPassword(entry.password);
    } else if (typeof storedHash === 'string') {
      user.password_hash = storedHash;
    } else {
      problems.push({
        path: `mqtt.users.${i}.password_hash`,
        source: 'form',
        seen: 'nothing',
        message: 'a new till login needs a password',
      });
    }
    out.push(user);
  }
  return out;
}

/** The value at `path`, with an unset URL as null and unset till logins as none, as the schema defaults them. */
function orUnset(obj: unknown, path: string): unknown {
  const v = getPath(obj, path);
  if (v !== undefined) return v;
  return path === 'mqtt.users' ? [] : NULLABLE.has(path) ? null : undefined;
}

function getPath(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const k of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let cur = obj;
  for (const k of keys.slice(0, -1)) {
    if (typeof cur[k] !== 'object' || cur[k] === null || Array.isArray(cur[k])) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]!] = value;
}

function deletePath(obj: Record<string, unknown>, path: string): void {
  const keys = path.split('.');
  const parent = getPath(obj, keys.slice(0, -1).join('.'));
  if (keys.length === 1) delete obj[keys[0]!];
  else if (parent && typeof parent === 'object')
    delete (parent as Record<string, unknown>)[keys[keys.length - 1]!];
}
