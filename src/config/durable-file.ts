// Atomic, durable small-file writes (DESIGN §9; docs/stack-notes.md "lowdb 7": its JSONFile renames
// without fsync, so a power cut can leave a zero-byte config). Order: temp file in the same
// directory → write → fsync → rename over the target → fsync the directory, so the rename itself is
// on disk.
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Adapter } from 'lowdb';

/** `hooks.beforeRename` exists for the crash test (a kill between fsync and rename). */
export function writeFileDurably(
  path: string,
  text: string,
  mode = 0o600,
  hooks?: { beforeRename?: () => void },
): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {}
    throw err;
  }
  closeSync(fd);
  hooks?.beforeRename?.();
  renameSync(tmp, path);
  fsyncDir(dir);
}

/**
 * Temp files of durable writes to `path` whose writer died before its rename (kill, power cut):
 * the file itself still holds what it held before. They are removed; their names are returned.
 * A temp file of a writer that is still running (another process saving right now) is left alone.
 */
export function discardInterruptedWrites(path: string): string[] {
  const dir = dirname(path);
  const prefix = `.${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const discarded: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number(name.slice(prefix.length, -'.tmp'.length));
    if (!Number.isInteger(pid) || (pid !== process.pid && isRunning(pid))) continue;
    removeDurably(join(dir, name));
    discarded.push(join(dir, name));
  }
  return discarded;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: running under another user. Only ESRCH says the writer is gone.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Removes a file so that the removal itself survives a power cut (the directory is fsynced). */
export function removeDurably(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  fsyncDir(dirname(path));
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Why a JSON file could not be used; `kind` lets callers report a power-cut truncation clearly. */
export class JsonFileError extends Error {
  constructor(
    readonly path: string,
    readonly kind: 'empty' | 'corrupt' | 'not_object',
    detail: string,
  ) {
    super(`${path}: ${detail}`);
    this.name = 'JsonFileError';
  }
}

/** Reads a JSON object file; `null` when it does not exist. */
export async function readJsonObject(path: string): Promise<Record<string, unknown> | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  if (text.trim() === '')
    throw new JsonFileError(path, 'empty', 'file is empty (interrupted write or power cut?)');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new JsonFileError(path, 'corrupt', `not valid JSON (${(err as Error).message})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new JsonFileError(path, 'not_object', 'must hold a JSON object');
  }
  return data as Record<string, unknown>;
}

/** lowdb adapter over the durable writer. */
export class DurableJsonFile<T extends object> implements Adapter<T> {
  constructor(
    readonly path: string,
    readonly mode = 0o600,
  ) {}

  async read(): Promise<T | null> {
    return (await readJsonObject(this.path)) as T | null;
  }

  async write(data: T): Promise<void> {
    writeFileDurably(this.path, JSON.stringify(data, null, 2) + '\n', this.mode);
  }
}
