// One clear error naming every invalid setting (DESIGN §9, STYLE "loud, specific config errors"):
// its dotted path, where the value came from (file or environment variable), the value seen
// (masked for secrets) and what is allowed.
import type { z } from 'zod';
import { schemaProblems } from '../util/schema-problems.ts';
import { SECRET_PATHS } from './schema.ts';
import { withoutUrlPasswords } from './secrets.ts';

export interface ConfigProblem {
  path: string;
  source: string;
  seen: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(
    readonly problems: ConfigProblem[],
    readonly file?: string,
  ) {
    super(formatProblems(problems, file));
    this.name = 'ConfigError';
  }
}

/** The data directory (or a file the gateway keeps in it) cannot be created, read or written. */
export class DataDirError extends Error {
  constructor(
    readonly dir: string,
    override readonly cause: unknown,
  ) {
    super(`data directory ${dir} is not usable: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'DataDirError';
  }
}

/** Runs `fn`; an OS error (permissions, not a directory, read-only, full) becomes a DataDirError. */
export function inDataDir<T>(dir: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const errno = (err as { code?: unknown }).code;
    if (typeof errno === 'string' && DATA_DIR_ERRNO.has(errno)) throw new DataDirError(dir, err);
    throw err;
  }
}

const DATA_DIR_ERRNO = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'ENOSPC', 'EEXIST', 'EISDIR']);

export function formatProblems(problems: ConfigProblem[], file?: string): string {
  const head = `invalid configuration${file ? ` (${file})` : ''}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`;
  return [head, ...problems.map((p) => `  - ${p.path} (${p.source}): ${p.message}; got ${p.seen}`)].join(
    '\n',
  );
}

export function problemsFromZod(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  sources: ReadonlyMap<string, string>,
  fileLabel: string,
): ConfigProblem[] {
  // Settings are named by dotted paths (`devices.serial.0.profile`), as in the environment table and
  // the secrets list; the value seen and what is allowed come from the one formatter.
  const isSecret = (keys: readonly PropertyKey[]) => isSecretPath(keys.map(String).join('.'));
  return schemaProblems(issues, { input, isSecret, schemaName: 'the settings schema' }).map((p) => {
    const path = p.keys.map(String).join('.') || '(root)';
    // A URL setting's value is shown without its password: the text goes to the journal and the page.
    const seen = withoutUrlPasswords(p.seen);
    return { path, source: sourceOf(path, sources) ?? fileLabel, seen, message: p.allowed };
  });
}

function sourceOf(path: string, sources: ReadonlyMap<string, string>): string | undefined {
  // The longest recorded prefix wins: `devices.serial.0.profile` came from EDGE_SERIAL_DEVICES.
  for (let p = path; p; p = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '') {
    const s = sources.get(p);
    if (s) return s;
  }
  return undefined;
}

export function isSecretPath(path: string): boolean {
  return SECRET_PATHS.some((p) =>
    new RegExp(`^${p.replace(/\./g, '\\.').replace(/\*/g, '\\d+')}$`).test(path),
  );
}

/**
 * A value as a problem shows it when no schema issue carries it, in the formatter's words: an
 * object or a list by its kind only (a till login given as an object holds a password), a URL
 * without its password.
 */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v !== null && typeof v === 'object') return 'an object';
  const text = withoutUrlPasswords(JSON.stringify(v) ?? String(v));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
