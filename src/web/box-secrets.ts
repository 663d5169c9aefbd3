// The web part's secrets, each in a 0600 file of the data directory (DESIGN §7, §9): the session
// signing key, the one-time setup code of an unclaimed box, and the technician's password hash
// (kept with the other secrets in secrets.json, so `config check` and provisioning see one file).
// Read from disk when needed, not cached: `edge-gateway claim` on the console changes them beside
// a running gateway.
import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonObject, writeFileDurably } from '../config/durable-file.ts';
import { hashPassword } from '../config/password.ts';
import { deepMerge, secretsPath, writeSecrets } from '../config/secrets.ts';

const SESSION_KEY_FILE = 'web-session.key';
const SETUP_CODE_FILE = 'setup-code';
// No 0/O, 1/I/L: read off a console and typed on a phone.
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

export const MIN_PASSWORD_LENGTH = 8;

export function sessionKey(dataDir: string): string {
  const path = join(dataDir, SESSION_KEY_FILE);
  const existing = readText(path);
  if (existing && existing.length >= 32) return existing;
  const key = randomBytes(32).toString('base64url');
  writeFileDurably(path, key, 0o600);
  return key;
}

/** The technician's hash: secrets.json first, then the config file (hand-provisioned boxes). */
export async function technicianHash(dataDir: string, configPath: string): Promise<string | undefined> {
  for (const path of [secretsPath(dataDir), configPath]) {
    const data = await readJsonObject(path).catch(() => null);
    const hash = (data?.technician as { password_hash?: unknown } | undefined)?.password_hash;
    if (typeof hash === 'string' && hash) return hash;
  }
  return undefined;
}

/** Sets the technician password and retires the setup code: the box is claimed. */
export async function setTechnicianPassword(dataDir: string, password: string): Promise<void> {
  const hash = await hashPassword(password);
  const current = (await readJsonObject(secretsPath(dataDir)).catch(() => null)) ?? {};
  writeSecrets(secretsPath(dataDir), deepMerge(current, { technician: { password_hash: hash } }));
  rmSync(join(dataDir, SETUP_CODE_FILE), { force: true });
}

/** The setup code of an unclaimed box: made once, kept until the claim (a reboot shows the same). */
export function setupCode(dataDir: string): string {
  const path = join(dataDir, SETUP_CODE_FILE);
  const existing = readText(path);
  if (existing) return existing;
  const groups = Array.from({ length: 3 }, () =>
    Array.from({ length: 4 }, () => ALPHABET[randomInt(ALPHABET.length)]).join(''),
  );
  const code = groups.join('-');
  writeFileDurably(path, code, 0o600);
  return code;
}

export function setupCodeMatches(dataDir: string, typed: string): boolean {
  const expected = readText(join(dataDir, SETUP_CODE_FILE));
  if (!expected) return false;
  const norm = (s: string) => Buffer.from(s.toUpperCase().replace(/[^A-Z0-9]/g, ''));
  const a = norm(expected);
  const b = norm(typed);
  return a.length === b.length && timingSafeEqual(a, b);
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
