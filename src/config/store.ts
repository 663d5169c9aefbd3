// The config file on disk: lowdb over the durable adapter, plus a last-good copy so a file cut
// short by a power failure is reported and replaced, never a crash (DESIGN §9, issue 2).
import { existsSync, renameSync } from 'node:fs';
import { Low } from 'lowdb';
import type { Logger } from '../log.ts';
import { DurableJsonFile, JsonFileError, readJsonObject, writeFileDurably } from './durable-file.ts';

type Raw = Record<string, unknown>;

export interface OpenedConfig {
  store: ConfigStore;
  /** The file's content, `{}` when there is no file. */
  data: Raw;
  exists: boolean;
  /** Set when the file was unusable and the last good copy was used instead. */
  recoveredFrom?: string;
}

export class ConfigStore {
  private constructor(
    readonly path: string,
    private readonly db: Low<Raw>,
  ) {}

  static lastGoodPath(path: string): string {
    return `${path}.last-good`;
  }

  static async open(path: string, log: Logger): Promise<OpenedConfig> {
    const db = new Low<Raw>(new DurableJsonFile<Raw>(path), {});
    const store = new ConfigStore(path, db);
    try {
      await db.read();
      // Not copied to last-good here: readable JSON may still be invalid settings, and an invalid
      // file must never replace the copy a power cut would fall back to (see markGood).
      return { store, data: db.data, exists: existsSync(path) };
    } catch (err) {
      if (!(err instanceof JsonFileError)) throw err;
      const { data, lost } = await store.recover(err, log);
      return lost
        ? { store, data, exists: false }
        : { store, data, exists: true, recoveredFrom: ConfigStore.lastGoodPath(path) };
    }
  }

  get data(): Raw {
    return this.db.data;
  }

  /** The file's content passed validation: keep it as the last good copy. */
  async markGood(log: Logger): Promise<void> {
    if (!existsSync(this.path)) return;
    await this.checkLastGood(log);
    this.refreshLastGood(this.db.data);
  }

  /** Replaces the file's content durably and keeps it as the last good copy; `data` is validated. */
  async replace(data: Raw): Promise<void> {
    this.db.data = data;
    await this.db.write();
    this.refreshLastGood(data);
  }

  /** Says so when the copy a broken config would fall back to was itself broken (it is about to be replaced). */
  private async checkLastGood(log: Logger): Promise<void> {
    const backup = ConfigStore.lastGoodPath(this.path);
    try {
      await readJsonObject(backup);
    } catch (err) {
      if (!(err instanceof JsonFileError)) throw err;
      log.warn('last good copy of the config was unusable, replaced from the config file', {
        file: backup,
        reason: err.kind,
        detail: err.message,
      });
    }
  }

  private refreshLastGood(data: Raw): void {
    writeFileDurably(ConfigStore.lastGoodPath(this.path), JSON.stringify(data, null, 2) + '\n', 0o600);
  }

  private async recover(err: JsonFileError, log: Logger): Promise<{ data: Raw; lost: boolean }> {
    const backup = ConfigStore.lastGoodPath(this.path);
    let good: Raw | null = null;
    try {
      good = await readJsonObject(backup);
    } catch {
      good = null;
    }
    // Keep the broken file for a post-mortem (and for a person who can still read part of it).
    const aside = `${this.path}.corrupt-${Date.now()}`;
    renameSync(this.path, aside);
    if (!good) {
      // Both copies gone (a damaged disk; our own writes cannot tear both): refusing to start would
      // leave the technician a box that loops in restarts with a file that even `edge-gateway
      // provision` cannot read. It starts unprovisioned instead, says so loudly, and is provisioned
      // again; queued sales wait in the outbox meanwhile (the built-in simulator never sees them).
      this.db.data = {};
      log.error(
        'config file and its last good copy are unusable: starting unprovisioned until the box is provisioned again',
        {
          file: this.path,
          reason: err.kind,
          detail: err.message,
          kept_as: aside,
          last_good: backup,
        },
      );
      return { data: {}, lost: true };
    }
    this.db.data = good;
    await this.db.write();
    // A warning, not an error: the box runs on the settings it was given; nobody has to act.
    log.warn('config file unusable, using last good copy', {
      file: this.path,
      reason: err.kind,
      detail: err.message,
      kept_as: aside,
      restored_from: backup,
    });
    return { data: good, lost: false };
  }
}
