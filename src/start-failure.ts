// Why a start failed, as an exit code of the catalogue (src/errors.ts) and one line a technician can
// act on. Looks through a part's failure to its cause: the OS's errno for a taken port or an
// unwritable directory, the outbox's code for a database it cannot use.
import { ConfigError, DataDirError } from './config/errors.ts';
import type { ExitName } from './errors.ts';
import { OutboxError, type OutboxErrorCode } from './outbox/errors.ts';
import { PartFailed } from './parts/part.ts';

export interface StartFailure {
  exit: ExitName;
  part?: string;
  message: string;
}

// Typed against the outbox catalogue: a renamed code fails to compile here.
const FROM_OUTBOX: Partial<Record<OutboxErrorCode, ExitName>> = {
  schema_too_new: 'outbox_too_new',
  store_unavailable: 'outbox_unavailable',
};

export function startFailure(err: unknown): StartFailure {
  const part = err instanceof PartFailed ? err.part : undefined;
  const cause = err instanceof PartFailed ? err.cause : err;
  const message = err instanceof Error ? err.message : String(err);
  if (cause instanceof ConfigError) return { exit: 'config_invalid', part, message };
  if (cause instanceof DataDirError) return { exit: 'data_dir_unwritable', part, message };
  if (cause instanceof OutboxError) return { exit: FROM_OUTBOX[cause.code] ?? 'failure', part, message };
  const errno = (cause as { code?: unknown } | null)?.code;
  if (errno === 'EADDRINUSE') return { exit: 'port_in_use', part, message };
  return { exit: 'failure', part, message };
}
