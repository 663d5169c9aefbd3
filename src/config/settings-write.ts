// Writing provisioned settings, which live in two files (config.json, and secrets.json at 0600 —
// DESIGN §9), as one change that a power cut cannot split. Each file is written atomically on its
// own, but a cut between the two would start the box on the old provider URL with the new API key
// (or the reverse): every delivery refused, the whole queued backlog in the dead letters. So both
// halves are first written to one intent file (a single atomic write: all or nothing), then applied,
// then the intent is removed; a start that finds an intent applies it again (roll forward), and
// says so.
import { resolve } from 'node:path';
import type { Logger } from '../log.ts';
import { JsonFileError, readJsonObject, removeDurably, writeFileDurably } from './durable-file.ts';
import { writeSecrets } from './secrets.ts';
import { ConfigStore } from './store.ts';

type Raw = Record<string, unknown>;

interface Intent {
  config_path: string;
  secrets_path: string;
  config: Raw;
  secrets: Raw;
}

export function intentPath(configPath: string): string {
  return `${resolve(configPath)}.pending`;
}

/** Writes the public settings and the secrets as one change. */
export async function writeSettings(
  paths: { configPath: string; secretsPath: string },
  config: Raw,
  secrets: Raw,
  log: Logger,
): Promise<void> {
  const intent: Intent = {
    config_path: resolve(paths.configPath),
    secrets_path: resolve(paths.secretsPath),
    config,
    secrets,
  };
  const path = intentPath(paths.configPath);
  // 0600 like the secrets file: it holds them until it is removed.
  writeFileDurably(path, JSON.stringify(intent), 0o600);
  await apply(path, intent, log);
}

/** At start: finishes a settings write that a kill or power cut interrupted. True when there was one. */
export async function completeInterruptedSettingsWrite(configPath: string, log: Logger): Promise<boolean> {
  const path = intentPath(configPath);
  let data: Raw | null;
  try {
    data = await readJsonObject(path);
  } catch (err) {
    // Written atomically, so never torn by our writes; whatever made it unreadable, it is not applied.
    if (!(err instanceof JsonFileError)) throw err;
    log.warn('unreadable settings change discarded', { file: path, reason: err.kind });
    removeDurably(path);
    return false;
  }
  if (!data) return false;
  const intent = data as unknown as Intent;
  if (!isIntent(intent)) {
    log.warn('unreadable settings change discarded', { file: path, reason: 'not_object' });
    removeDurably(path);
    return false;
  }
  await apply(path, intent, log);
  log.warn(
    'an interrupted settings change was completed (the box lost power or was killed while saving it)',
    {
      file: intent.config_path,
    },
  );
  return true;
}

async function apply(path: string, intent: Intent, log: Logger): Promise<void> {
  writeSecrets(intent.secrets_path, intent.secrets);
  const { store } = await ConfigStore.open(intent.config_path, log);
  await store.replace(intent.config);
  removeDurably(path);
}

function isIntent(v: Intent): boolean {
  const obj = (x: unknown) => typeof x === 'object' && x !== null && !Array.isArray(x);
  return (
    typeof v.config_path === 'string' && typeof v.secrets_path === 'string' && obj(v.config) && obj(v.secrets)
  );
}
