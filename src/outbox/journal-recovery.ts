// What a process that never closed the outbox (kill -9, power cut) left in its write-ahead log, so
// the start can say what it found (issue 12). SQLite itself replays the WAL up to its last complete
// commit and ignores the rest; this only measures that rest: frames of the current WAL generation
// (same salt as the WAL header) past the last commit, and a frame cut short. Frames of an earlier
// generation (the WAL is reused from its start after a checkpoint) are not counted: they are old.
// Format: https://www.sqlite.org/fileformat2.html#walformat (32-byte header, 24-byte frame headers).
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';

const HEADER = 32;
const FRAME_HEADER = 24;

export interface LeftJournal {
  path: string;
  bytes: number;
}

export interface JournalRecovery {
  /** WAL frames SQLite kept: everything up to the last complete commit. */
  committedFrames: number;
  /** Bytes of writes that never committed (a transaction cut short); 0 when the WAL ended cleanly. */
  unfinishedBytes: number;
}

/** Before opening: the WAL a previous process left, if any (a clean close removes it). */
export function journalLeftBehind(dbPath: string): LeftJournal | undefined {
  const path = `${dbPath}-wal`;
  if (!existsSync(path)) return undefined;
  const bytes = statSync(path).size;
  return bytes > 0 ? { path, bytes } : undefined;
}

/** After SQLite has opened (and so recovered) the database: what it kept and what it dropped. */
export function measureRecovery(left: LeftJournal, committedFrames: number): JournalRecovery {
  const fd = openSync(left.path, 'r');
  try {
    const read = (at: number, n: number) => {
      const buf = Buffer.alloc(n);
      return buf.subarray(0, readSync(fd, buf, 0, n, at));
    };
    const header = read(0, HEADER);
    if (header.length < HEADER) return { committedFrames: 0, unfinishedBytes: left.bytes };
    const pageSize = header.readUInt32BE(8);
    const salt = header.subarray(16, 24);
    const frame = FRAME_HEADER + pageSize;
    let unfinished = 0;
    for (let at = HEADER + committedFrames * frame; at < left.bytes; at += frame) {
      const frameHeader = read(at, FRAME_HEADER);
      const whole = frameHeader.length === FRAME_HEADER;
      if (whole && !frameHeader.subarray(8, 16).equals(salt)) break; // an older generation's frame
      unfinished += Math.min(frame, left.bytes - at);
      if (!whole) break;
    }
    return { committedFrames, unfinishedBytes: unfinished };
  } finally {
    closeSync(fd);
  }
}
