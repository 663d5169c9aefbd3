// Structured logger: one JSON line per event, levels, no secrets.
// Why our own and not pino: the gateway logs a few events per scan at most, the format is tiny,
// and masking must be applied by us anyway (DESIGN §2: tokens masked to their last 4 characters).
import { fstatSync } from 'node:fs';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFields = Record<string, unknown>;
/** The level a line was written at: what a writer may need besides the line (a journal priority). */
export type LineLevel = Exclude<LogLevel, 'silent'>;

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  readonly level: LogLevel;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** An info line printed at every level but `silent`: lifecycle lines scripts wait for ("ready"). */
  always(msg: string, fields?: LogFields): void;
  /**
   * A logger that adds `fields` to every line. The one tag is `part` (`{part: 'broker'}`), set by
   * whoever builds the part, so a line never carries two names for where it came from.
   */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go; defaults to stdout (with journal priorities, see `consoleWriter`). Tests pass a collector. */
  write?: (line: string, level: LineLevel) => void;
  base?: LogFields;
}

// Keys whose values never reach a log line, whatever a caller passes by mistake.
const SECRET_KEY = /pass(word)?|secret|api[_-]?key|token|authorization|mobile|email|pan|track/i;

export function isLogLevel(v: unknown): v is LogLevel {
  return typeof v === 'string' && v in ORDER;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'info';
  const write = opts.write ?? consoleWriter('stdout');
  return make(level, write, opts.base ?? {});
}

// sd-daemon(3): journald reads a leading `<N>` as the line's syslog priority (SyslogLevelPrefix=,
// on by default), so `journalctl -p warning` shows warnings and errors only.
const SYSLOG_PRIORITY: Record<LineLevel, number> = { error: 3, warn: 4, info: 6, debug: 7 };

/**
 * True when file descriptor `fd` is the journal stream systemd connected (systemd.exec(5):
 * JOURNAL_STREAM is `<dev>:<inode>` of that stream). Compared with the fd itself, because a child
 * or a shell redirect inherits the variable while writing to a terminal or a file.
 */
export function isJournalStream(fd: number, env: NodeJS.ProcessEnv = process.env): boolean {
  const [dev, ino, ...rest] = (env.JOURNAL_STREAM ?? '').split(':');
  if (!dev || !ino || rest.length > 0) return false;
  try {
    // bigint: inode numbers can exceed 2^53.
    const st = fstatSync(fd, { bigint: true });
    return st.dev.toString() === dev && st.ino.toString() === ino;
  } catch {
    return false;
  }
}

/** A line writer for stdout or stderr; lines carry a `<N>` priority prefix when that is the journal. */
export function consoleWriter(name: 'stdout' | 'stderr'): (line: string, level: LineLevel) => void {
  const stream = process[name];
  const journal = isJournalStream(name === 'stdout' ? 1 : 2);
  return journal
    ? (line, level) => stream.write(`<${SYSLOG_PRIORITY[level]}>${line}\n`)
    : (line) => stream.write(line + '\n');
}

function make(level: LogLevel, write: (line: string, level: LineLevel) => void, base: LogFields): Logger {
  const min = ORDER[level];
  const emit = (lvl: LineLevel, msg: string, fields?: LogFields, force = false) => {
    if (ORDER[lvl] < min && !(force && level !== 'silent')) return;
    const rec: LogFields = { ts: new Date().toISOString(), level: lvl, msg, ...base };
    // for…in rather than Object.entries: no array per field on a line written for every scan.
    if (fields) for (const k in fields) rec[k] = redactValue(k, fields[k]);
    write(safeStringify(rec), lvl);
  };
  return {
    level,
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    always: (m, f) => emit('info', m, f, true),
    child: (fields) => make(level, write, { ...base, ...fields }),
  };
}

function redactValue(key: string, v: unknown): unknown {
  if (v instanceof Error) return { name: v.name, message: v.message, code: (v as { code?: unknown }).code };
  if (SECRET_KEY.test(key) && v !== undefined && v !== null) {
    // Token-like values keep their last 4 characters so a technician can match a scan to a card.
    return /token/i.test(key) && typeof v === 'string' ? maskToken(v) : '[redacted]';
  }
  return v;
}

function safeStringify(rec: LogFields): string {
  try {
    // Without a replacer first: a replacer makes JSON.stringify call back into JS for every value
    // (a scan's log line costs twice as much with one), and only a bigint needs it.
    return JSON.stringify(rec);
  } catch {
    // A bigint (TypeError) or a cycle: the replacer turns bigints into strings; a cycle fails again.
  }
  try {
    return JSON.stringify(rec, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    return JSON.stringify({ ts: rec.ts, level: rec.level, msg: rec.msg, log_error: 'unserialisable fields' });
  }
}

/** `****1234`: the last 4 characters of a token, never more (DESIGN §2). */
export function maskToken(token: string): string {
  const t = String(token);
  if (t.length <= 4) return '*'.repeat(t.length);
  return '****' + t.slice(-4);
}

/**
 * Free text from outside (a provider's error `detail`) made fit for a log line: it may echo
 * anything it was sent. The given secrets, e-mail addresses, card-like and other numbers of 6 or
 * more digits, and the paths and queries of URLs are replaced; the rest stays for a technician.
 */
export function maskFreeText(text: string, secrets: readonly (string | null | undefined)[] = []): string {
  let out = text.slice(0, 500);
  for (const s of secrets) {
    if (!s || s.length < 4) continue;
    for (const form of new Set([s, encodeURIComponent(s)])) out = out.split(form).join('[redacted]');
  }
  return out
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#"'<>]+)[^\s"'<>]*/gi, '$1/[path]')
    .replace(/[^\s@"'<>(),;:]+@[^\s@"'<>(),;:]+/g, '[email]')
    .replace(/\d(?:[\s./-]?\d){5,}/g, '[number]');
}

/** A logger that drops everything; for parts built without one in unit tests. */
export const silentLogger: Logger = createLogger({ level: 'silent', write: () => {} });
