// Secrets live apart from the config in a 0600 file (DESIGN §7, §9: write-only, never shown).
// The file holds the secret fields in the shape of the settings, e.g.
// {"provider": {"api_key": "…"}}; they are merged over the config at load.
import { chmodSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.ts';
import { JsonFileError, readJsonObject, writeFileDurably } from './durable-file.ts';
import { SECRET_PATHS } from './schema.ts';

export const SECRETS_FILE = 'secrets.json';

export function secretsPath(dataDir: string): string {
  return join(dataDir, SECRETS_FILE);
}

/**
 * The secrets, and whether the file was found empty or blank: what a power cut during a write
 * leaves on some file systems (or an editor that died). Nothing in it can be saved, and refusing to
 * start would leave a box nobody can reach to provision it again, so it counts as no secrets; the
 * caller says so. Any other unreadable content is still refused with its reason.
 */
export async function loadSecrets(
  path: string,
  log: Logger,
): Promise<{ secrets: Record<string, unknown>; foundEmpty: boolean }> {
  let data: Record<string, unknown> | null;
  try {
    data = await readJsonObject(path);
  } catch (err) {
    if (err instanceof JsonFileError && err.kind === 'empty') return { secrets: {}, foundEmpty: true };
    throw err;
  }
  if (!data) return { secrets: {}, foundEmpty: false };
  const mode = statSync(path).mode & 0o777;
  if (mode !== 0o600) {
    // Tighten rather than refuse: a box that cannot start is worse than one fixed on the spot.
    chmodSync(path, 0o600);
    log.warn('secrets file permissions tightened', { file: path, was: mode.toString(8) });
  }
  return { secrets: data, foundEmpty: false };
}

/** The secrets for provisioning, which writes the whole file again (an empty one is replaced). */
export async function readSecrets(path: string, log: Logger): Promise<Record<string, unknown>> {
  return (await loadSecrets(path, log)).secrets;
}

export function writeSecrets(path: string, secrets: Record<string, unknown>): void {
  writeFileDurably(path, JSON.stringify(secrets, null, 2) + '\n', 0o600);
}

/** Splits a settings-shaped object into (public part, secret part) by the schema's secret paths. */
export function splitSecrets(input: Record<string, unknown>): {
  public: Record<string, unknown>;
  secrets: Record<string, unknown>;
} {
  const pub = structuredClone(input);
  const secrets: Record<string, unknown> = {};
  for (const path of SECRET_PATHS) {
    // Array entries (mqtt users) keep their hashes in the config: scrypt hashes are not reversible,
    // and the user list must stay one list. Plain secrets move out.
    if (path.includes('*')) continue;
    const keys = path.split('.');
    const parent = walk(pub, keys.slice(0, -1));
    const last = keys[keys.length - 1]!;
    if (parent && last in parent) {
      const target = ensure(secrets, keys.slice(0, -1));
      target[last] = parent[last];
      delete parent[last];
    }
  }
  return { public: pub, secrets };
}

/** `mqtt://user:pass@host` → `mqtt://user@host`: a password in a URL is a secret like any other. */
export function withoutUrlPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*):[^@/]*@/i, '$1@');
}

/** Every URL inside a text without its password: a value shown in an error. */
export function withoutUrlPasswords(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:@/\s"]*):[^@/\s"]*@/gi, '$1@');
}

/**
 * Removes every secret (including array entries) for display: gateway/info, status, diagnostics;
 * and the password of any URL setting (`uplink.url` may carry one, and every till reads gateway/info).
 */
export function redactSecrets<T>(value: T): T {
  const copy = structuredClone(value) as Record<string, unknown>;
  for (const path of SECRET_PATHS) removePath(copy, path.split('.'));
  return scrubUrls(copy) as T;
}

function scrubUrls(v: unknown): unknown {
  if (typeof v === 'string') return withoutUrlPassword(v);
  if (Array.isArray(v)) return v.map(scrubUrls);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrubUrls(x)]));
  return v;
}

function removePath(obj: unknown, keys: string[]): void {
  if (obj === null || typeof obj !== 'object') return;
  const [k, ...rest] = keys;
  if (k === undefined) return;
  if (k === '*') {
    if (Array.isArray(obj)) for (const item of obj) removePath(item, rest);
    return;
  }
  const rec = obj as Record<string, unknown>;
  if (rest.length === 0) delete rec[k];
  else removePath(rec[k], rest);
}

function walk(obj: Record<string, unknown>, keys: string[]): Record<string, unknown> | undefined {
  let cur: unknown = obj;
  for (const k of keys) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>) : undefined;
}

function ensure(obj: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  let cur = obj;
  for (const k of keys) {
    if (typeof cur[k] !== 'object' || cur[k] === null) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  return cur;
}

/** Deep merge for plain objects (secrets over config); arrays and scalars from `over` win. */
export function deepMerge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      isPlain(v) && isPlain(b) ? deepMerge(b as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

function isPlain(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
