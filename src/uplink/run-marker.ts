// "Box restarted after a crash" (DESIGN §8 events): a marker file exists while the gateway runs and
// is removed at the very end of a clean stop. Found at start, it means the previous run ended
// without one: kill -9, a crash, the watchdog, or a power cut.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const RUN_MARKER = 'running.json';

export interface PreviousRun {
  pid: number | null;
  started_at: string | null;
}

export interface RunMarker {
  /** The run that ended without a clean stop, if any. */
  readonly previous: PreviousRun | null;
  /** Removes the marker: the stop was clean. */
  clear(): void;
}

export function markRunning(dataDir: string): RunMarker {
  const path = join(dataDir, RUN_MARKER);
  let previous: PreviousRun | null = null;
  try {
    previous = readMarker(path);
  } catch (err) {
    // No marker: the last stop was clean (or this is the first run). A torn one is still a crash.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') previous = { pid: null, started_at: null };
  }
  writeFileSync(path, JSON.stringify({ pid: process.pid, started_at: new Date().toISOString() }), {
    mode: 0o600,
  });
  return { previous, clear: () => rmSync(path, { force: true }) };
}

/** The pid of a gateway running now from `dataDir` (its marker names a live process), else null. */
export function runningPid(dataDir: string): number | null {
  try {
    const { pid } = readMarker(join(dataDir, RUN_MARKER));
    if (pid === null || !Number.isInteger(pid) || pid <= 0) return null;
    process.kill(pid, 0); // throws when no such process
    return pid;
  } catch {
    return null;
  }
}

/** The marker's fields, each null when missing or of the wrong type; throws when unreadable or torn. */
function readMarker(path: string): PreviousRun {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<PreviousRun>;
  return {
    pid: typeof raw.pid === 'number' ? raw.pid : null,
    started_at: typeof raw.started_at === 'string' ? raw.started_at : null,
  };
}
