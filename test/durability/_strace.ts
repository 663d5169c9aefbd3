// Reading an `strace -f -tt -yy` log (DESIGN §5 "an entry is committed before the till hears
// `queued`", issue 12): the system calls of the gateway as the kernel saw them, in the order strace
// reported them, each file descriptor named by what it is (`-yy`: the file's path, or
// `TCP:[local->remote]` for a socket). The order check below is pure, so it is tested on its own.
import { readFileSync } from 'node:fs';

/** One system call: where its entry and its return appear in the log (the same line when it was not interrupted). */
export interface Syscall {
  pid: number;
  name: string;
  /** `-yy` name of the first argument when it is a file descriptor: a path, `TCP:[a->b]`, `pipe:[n]`. */
  fd?: string;
  /** Everything strace printed for the call (its arguments, data included, and the return value). */
  text: string;
  time: string;
  entry: number;
  exit: number;
}

const LINE = /^(\d+)\s+(\d\d:\d\d:\d\d\.\d+)\s+(.*)$/;
const CALL = /^(\w+)\((.*)$/;
const RESUMED = /^<\.\.\. (\w+) resumed>(.*)$/;
const UNFINISHED = ' <unfinished ...>';
// `-yy` prints a socket as `TCP:[127.0.0.1:1883->127.0.0.1:40000]` (which holds a `>`), a file as its path.
const FD = /^\d+<((?:[A-Z][A-Za-z0-9-]*:\[[^\]]*\])|[^>]*)>/;

export function parseStrace(log: string): Syscall[] {
  const calls: Syscall[] = [];
  const open = new Map<string, Syscall>();
  const lines = log.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = LINE.exec(lines[i]!);
    if (!m) continue;
    const pid = Number(m[1]);
    const rest = m[3]!;
    const resumed = RESUMED.exec(rest);
    if (resumed) {
      const call = open.get(`${pid}:${resumed[1]}`);
      if (call) {
        call.exit = i;
        call.text += resumed[2];
        open.delete(`${pid}:${resumed[1]}`);
      }
      continue;
    }
    const c = CALL.exec(rest);
    if (!c) continue; // signals, exits
    const unfinished = rest.endsWith(UNFINISHED);
    const args = unfinished ? c[2]!.slice(0, -UNFINISHED.length) : c[2]!;
    const call: Syscall = {
      pid,
      name: c[1]!,
      fd: FD.exec(args)?.[1],
      text: args,
      time: m[2]!,
      entry: i,
      exit: unfinished ? Number.POSITIVE_INFINITY : i,
    };
    calls.push(call);
    if (unfinished) open.set(`${pid}:${call.name}`, call);
  }
  return calls;
}

const SYNC = new Set(['fsync', 'fdatasync']);
const FILE_WRITE = new Set(['pwrite64', 'write', 'pwritev', 'writev']);
const SOCKET_WRITE = new Set(['write', 'writev', 'sendmsg', 'sendto']);

export interface OrderCheck {
  transaction: string;
  /** The first write of a database page holding the transaction's key, and the file it went to. */
  stored?: Syscall;
  /** The first fsync/fdatasync of that same file that began after the write returned. */
  synced?: Syscall;
  /** The first write to the till's socket that carries the transaction. */
  answered?: Syscall;
  /** stored → synced → answered, each finished before the next began. */
  ok: boolean;
  why?: string;
}

export interface OrderInput {
  /** Files of the outbox (`outbox.sqlite`, `-wal`, `-journal`): where a job's bytes may be written. */
  outboxFiles: readonly string[];
  /** `-yy` name of the gateway's end of the till's connection. */
  tillSocket: string;
  /** Transaction id → the text that marks it in a database page (its key) and on the wire. */
  transactions: ReadonlyMap<string, { stored: string; answered: string }>;
}

/** For each transaction: was its outbox write on disk (fsync returned) before the till's answer left? */
export function checkOrder(calls: readonly Syscall[], input: OrderInput): OrderCheck[] {
  const files = new Set(input.outboxFiles);
  return [...input.transactions].map(([transaction, marks]) => {
    const stored = calls.find(
      (c) => FILE_WRITE.has(c.name) && c.fd !== undefined && files.has(c.fd) && c.text.includes(marks.stored),
    );
    const answered = calls.find(
      (c) => SOCKET_WRITE.has(c.name) && c.fd === input.tillSocket && c.text.includes(marks.answered),
    );
    const synced = stored
      ? calls.find((c) => SYNC.has(c.name) && c.fd === stored.fd && c.entry > stored.exit)
      : undefined;
    const result: OrderCheck = { transaction, stored, synced, answered, ok: false };
    if (!answered) result.why = 'no answer on the till socket';
    else if (!stored) result.why = 'no outbox write holds the transaction';
    else if (stored.entry > answered.entry) result.why = 'answered before the outbox write';
    else if (!synced) result.why = `the outbox write to ${stored.fd} was never synced`;
    else if (synced.exit > answered.entry) result.why = 'answered before the fsync returned';
    else result.ok = true;
    return result;
  });
}

/** Microseconds between two `-tt` stamps of the same day. */
export function microsBetween(a: string, b: string): number {
  const us = (t: string) => {
    const [h, m, s] = t.split(':');
    return Math.round(((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1e6);
  };
  return us(b) - us(a);
}

export const STRACE_SYSCALLS = 'fdatasync,fsync,write,writev,sendmsg,sendto,pwrite64,pwritev';

/**
 * The command prefix that runs a child under strace, following its threads (`-f`: better-sqlite3
 * and the socket writes run on the main thread, libuv's pool on others). `-s 8192` prints a whole
 * 4 KiB database page, so a row's key is found wherever in the page it landed.
 */
export function straceWrap(logPath: string): string[] {
  return ['strace', '-f', '-tt', '-yy', '-s', '8192', '-e', `trace=${STRACE_SYSCALLS}`, '-o', logPath];
}

/** The traced program's pid: the child strace started (strace itself is the process we spawned). */
export function tracedPid(stracePid: number): number {
  const children = readFileSync(`/proc/${stracePid}/task/${stracePid}/children`, 'utf8').trim().split(/\s+/);
  const pid = Number(children[0]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`strace ${stracePid} has no traced child yet`);
  return pid;
}

/**
 * How much of a file a power cut at the end of the log could not take away: the end of the furthest
 * write that had returned when the file's last fsync began. Bytes past it were in the page cache only.
 */
export function durableEnd(
  calls: readonly Syscall[],
  path: string,
): { durable: number; written: number; restarts: number } {
  let durable = 0;
  let written = 0;
  let restarts = 0;
  const writes: { exit: number; end: number }[] = [];
  for (const c of calls) {
    if (c.fd !== path) continue;
    if (c.name === 'pwrite64') {
      const m = /, (\d+), (\d+)\) = (\d+)$/.exec(c.text);
      if (!m) continue;
      const offset = Number(m[2]);
      // SQLite starts the WAL over (header at offset 0) after a full checkpoint.
      if (offset === 0 && writes.length > 0) restarts++;
      writes.push({ exit: c.exit, end: offset + Number(m[3]) });
      written = Math.max(written, offset + Number(m[3]));
    } else if (SYNC.has(c.name) && Number.isFinite(c.exit)) {
      for (const w of writes) if (w.exit < c.entry) durable = Math.max(durable, w.end);
    }
  }
  return { durable, written, restarts };
}
