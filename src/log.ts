// Structured logger: one JSON line per event, levels, no secrets.
// Why our own and not pino: the gateway logs a few events per scan at most, the format is tiny,
// and masking must be applied by us anyway (DESIGN §2: tokens masked to their last 4 characters).
import { fstatSync } from 'node:fs';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFields = Record<string, unknown>;
/** The level a line was written at: what a writer may need besides the line (a journal priority). */
export type LineLevel = Exclude<LogLevel, 'silent'>;
/** Where lines go. `urgent`: a lifecycle line (`always`, e.g. "ready") that scripts wait for. */
export type LineWriter = (line: string, level: LineLevel, urgent?: boolean) => void;

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
  write?: LineWriter;
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

export interface ConsoleWriterOptions {
  /** Info and debug lines wait up to this long and go out together; 0 (default) = each at once. */
  holdMs?: number;
}

// A held batch is written at once past this size, whatever its age (a flood of lines).
const HOLD_MAX_CHARS = 16_384;

/**
 * A line writer for stdout or stderr; lines carry a `<N>` priority prefix when that is the journal.
 *
 * With `holdMs` (the running gateway), info and debug lines are held and written in one write(2)
 * when the hold ends. Why: stdout to journald or a file is written synchronously, and the info
 * line of every scan was a write(2) (and a wake-up of journald, or of a watcher of the file's
 * folder) right behind the till's copy, while the next scan was already on its way: measured in
 * bench scan_latency, ~20 µs of the gateway's event loop per scan, in the way of the next one.
 * Warnings, errors and lifecycle lines are written at once, after everything held (order kept);
 * held lines are written at exit too, an uncaught exception included. A kill -9 or an OOM kill
 * loses at most `holdMs` of info lines.
 */
export function consoleWriter(name: 'stdout' | 'stderr', opts: ConsoleWriterOptions = {}): LineWriter {
  const stream = process[name];
  const journal = isJournalStream(name === 'stdout' ? 1 : 2);
  const format = journal
    ? (line: string, level: LineLevel) => `<${SYSLOG_PRIORITY[level]}>${line}\n`
    : (line: string) => `${line}\n`;
  const holdMs = opts.holdMs ?? 0;
  if (holdMs <= 0) return (line, level) => stream.write(format(line, level));
  const held = holdLines((text) => stream.write(text), holdMs);
  process.on('exit', held.flush);
  return (line, level, urgent) =>
    held.push(format(line, level), urgent === true || level === 'warn' || level === 'error');
}

/** The hold of `consoleWriter`: text pushed waits up to `holdMs`; `now` writes it and all before it. */
export function holdLines(
  write: (text: string) => void,
  holdMs: number,
): { push(text: string, now: boolean): void; flush(): void } {
  let held = '';
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (held === '') return;
    const out = held;
    held = '';
    write(out);
  };
  return {
    push(text, now) {
      held += text;
      if (now || held.length > HOLD_MAX_CHARS) flush();
      else if (timer === undefined) {
        timer = setTimeout(flush, holdMs);
        // A held line never keeps the process alive: the exit handler writes it.
        timer.unref();
      }
    },
    flush,
  };
}

function make(level: LogLevel, write: LineWriter, base: LogFields): Logger {
  const min = ORDER[level];
  const emit = (lvl: LineLevel, msg: string, fields?: LogFields, force = false) => {
    if (ORDER[lvl] < min && !(force && level !== 'silent')) return;
    const rec: LogFields = { ts: new Date().toISOString(), level: lvl, msg, ...base };
    // for…in rather than Object.entries: no array per field on a line written for every scan.
    if (fields) for (const k in fields) rec[k] = redactValue(k, fields[k]);
    write(safeStringify(rec), lvl, force);
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
