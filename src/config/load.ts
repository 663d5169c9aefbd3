// Builds the one frozen Settings object at start (STYLE: no global settings.get(); each part gets
// the slice it needs). Precedence: defaults < config file < secrets file < environment < CLI flags.
import { resolve } from 'node:path';
import type { Logger } from '../log.ts';
import { deepFreeze } from '../util/deep-freeze.ts';
import { discardInterruptedWrites } from './durable-file.ts';
import { applyEnv } from './env.ts';
import { ConfigError, inDataDir, problemsFromZod } from './errors.ts';
import { isDemoMode, type Settings, settingsSchema, settingsWithLostSecretsSchema } from './schema.ts';
import { deepMerge, loadSecrets, secretsPath } from './secrets.ts';
import { completeInterruptedSettingsWrite, intentPath } from './settings-write.ts';
import { ConfigStore } from './store.ts';

export const DEFAULT_DATA_DIR = '.edge-data';

export interface LoadOptions {
  configPath?: string;
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  logger: Logger;
}

export interface LoadedConfig {
  settings: Readonly<Settings> & { data_dir: string };
  configPath: string;
  configExists: boolean;
  dataDir: string;
  demo: boolean;
  recoveredFrom?: string;
  store: ConfigStore;
}

export async function loadConfig(opts: LoadOptions): Promise<LoadedConfig> {
  const env = opts.env ?? process.env;
  const earlyDataDir = opts.dataDir ?? (env.EDGE_DATA_DIR || undefined);
  const configPath = resolve(
    opts.configPath ?? (env.EDGE_CONFIG || undefined) ?? `${earlyDataDir ?? DEFAULT_DATA_DIR}/config.json`,
  );
  await completeInterruptedSettingsWrite(configPath, opts.logger);
  const opened = await ConfigStore.open(configPath, opts.logger);

  const dataDir = resolve(
    opts.dataDir ??
      (env.EDGE_DATA_DIR || undefined) ??
      (typeof opened.data.data_dir === 'string' ? opened.data.data_dir : undefined) ??
      DEFAULT_DATA_DIR,
  );
  // What a kill or power cut mid-save left behind: the saved files hold what they held before.
  const discarded = [
    configPath,
    ConfigStore.lastGoodPath(configPath),
    intentPath(configPath),
    secretsPath(dataDir),
  ].flatMap(discardInterruptedWrites);
  if (discarded.length > 0) {
    opts.logger.warn('unfinished file writes discarded (the box lost power or was killed while saving)', {
      files: discarded,
    });
  }
  const { secrets, foundEmpty } = await loadSecrets(secretsPath(dataDir), opts.logger).catch((err: unknown) =>
    inDataDir(dataDir, () => {
      throw err;
    }),
  );
  const merged = deepMerge(opened.data, secrets);
  const { input, sources } = applyEnv(merged, env);
  if (opts.dataDir) {
    input.data_dir = opts.dataDir;
    sources.set('data_dir', '--data-dir');
  }

  const parsed = (foundEmpty ? settingsWithLostSecretsSchema() : settingsSchema()).safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(problemsFromZod(parsed.error.issues, input, sources, configPath), configPath);
  }
  await opened.store.markGood(opts.logger);
  const settings = deepFreeze({ ...parsed.data, data_dir: dataDir });
  if (foundEmpty) {
    // An error, not a warning: someone has to enter these again (the page or `edge-gateway provision`).
    opts.logger.error(
      'secrets file is empty (the box lost power or was killed while saving it): starting without secrets',
      {
        file: secretsPath(dataDir),
        unprovisioned: unprovisionedBy(settings),
      },
    );
  }
  return {
    settings,
    configPath,
    configExists: opened.exists,
    dataDir,
    demo: isDemoMode(settings),
    recoveredFrom: opened.recoveredFrom,
    store: opened.store,
  };
}

/** What cannot work without the secrets that were lost, in the words of the settings. */
function unprovisionedBy(s: Settings): string[] {
  const out: string[] = [];
  if (s.provider.url !== null && s.provider.api_key === undefined)
    out.push('provider (provider.api_key): lookups fail as unreachable, turnovers queue');
  if (s.technician.password_hash === undefined)
    out.push('technician login: the box is unclaimed (setup code)');
  if (s.uplink.url !== null && s.uplink.password === undefined)
    out.push('ops uplink login (uplink.password)');
  return out;
}
