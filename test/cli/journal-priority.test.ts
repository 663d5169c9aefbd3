// Log lines carry the sd-daemon(3) priority prefix when stdout is the journal, so that
// `journalctl -p warning` shows warnings and errors only; never on a terminal, pipe or file.
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { BIN } from '../helpers/cli.ts';
import { tempDir } from '../helpers/gateway.ts';

const UNIT = new URL('../../systemd/edge-gateway.service', import.meta.url);
const PRIORITY: Record<string, string> = { error: '<3>', warn: '<4>', info: '<6>', debug: '<7>' };

/** `<dev>:<inode>` of an open file, as systemd writes JOURNAL_STREAM. */
function streamId(fd: number): string {
  const st = fstatSync(fd, { bigint: true });
  return `${st.dev}:${st.ino}`;
}

interface Run {
  stdout: string;
  stderr: string;
  code: number | null;
}

/**
 * Runs the CLI with stdout and stderr in files; `journal(stdoutFd, stderrFd)` gives the
 * JOURNAL_STREAM value (or undefined). A started gateway is sent SIGTERM once `stopWhen` matches its stdout.
 */
async function runWithFiles(
  args: string[],
  env: NodeJS.ProcessEnv,
  journal: (out: number, err: number) => string | undefined,
  stopWhen?: RegExp,
): Promise<Run> {
  const dir = tempDir('edge-journal-');
  const outPath = join(dir, 'stdout');
  const errPath = join(dir, 'stderr');
  const out = openSync(outPath, 'w');
  const err = openSync(errPath, 'w');
  const stream = journal(out, err);
  const child = spawn(process.execPath, [BIN, ...args], {
    env: {
      PATH: process.env.PATH,
      EDGE_MQTT_WS_PORT: '0',
      ...env,
      ...(stream === undefined ? {} : { JOURNAL_STREAM: stream }),
    },
    stdio: ['ignore', out, err],
  });
  closeSync(out);
  closeSync(err);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let done = false;
  void exited.then(() => {
    done = true;
  });
  if (stopWhen) {
    // The file is the only channel: look at it until the line shows up (generous deadline).
    const deadline = Date.now() + 30_000;
    while (!done && !stopWhen.test(readFileSync(outPath, 'utf8'))) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`no ${stopWhen} in: ${readFileSync(outPath, 'utf8')}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGTERM');
  }
  const code = await exited;
  return { stdout: readFileSync(outPath, 'utf8'), stderr: readFileSync(errPath, 'utf8'), code };
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.length > 0);
}

/** A demo start at debug level with a secrets file of loose mode (a warn line), stopped once ready. */
function demoEnv(): NodeJS.ProcessEnv {
  const dir = tempDir();
  writeFileSync(join(dir, 'secrets.json'), '{}\n', { mode: 0o644 });
  return { EDGE_DATA_DIR: dir, EDGE_MQTT_PORT: '0', EDGE_HTTP_PORT: '0', EDGE_LOG_LEVEL: 'debug' };
}

test('with stdout as the journal every log line starts with the syslog priority of its level', async (t) => {
  t.timeout(60_000);
  const run = await runWithFiles(['start'], demoEnv(), (out) => streamId(out), /"msg":"ready"/);
  t.is(run.code, 0);
  const seen = new Set<string>();
  for (const line of lines(run.stdout)) {
    const m = /^(<\d>)(\{.*\})$/.exec(line);
    if (!m) return t.fail(`a line without a priority prefix: ${line}`);
    const rec = JSON.parse(m[2]!);
    t.is(m[1], PRIORITY[rec.level], rec.msg);
    seen.add(rec.level);
  }
  t.deepEqual([...seen].sort(), ['debug', 'info', 'warn']);
});

test('an invalid configuration is logged at priority 3 when stderr/stdout is the journal', async (t) => {
  const dir = tempDir();
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ mqtt: { port: -1 } }));
  const env = { EDGE_DATA_DIR: dir };
  const started = await runWithFiles(['start', '--config', config], env, (out) => streamId(out));
  t.is(started.code, 3);
  const error = lines(started.stdout).find((l) => l.includes('"invalid configuration"'));
  t.regex(error ?? '', /^<3>\{"ts":/);
  // The technician commands log to stderr: the same rule for that stream.
  const checked = await runWithFiles(['config', 'check', '--config', config], env, (_out, err) =>
    streamId(err),
  );
  t.is(checked.code, 3);
  t.regex(lines(checked.stderr)[0] ?? '', /^<3>\{"ts":.*"invalid configuration"/);
});

test('no priority prefix when stdout is a file, also when JOURNAL_STREAM names another stream', async (t) => {
  t.timeout(60_000);
  for (const journal of [() => undefined, (_out: number, err: number) => streamId(err)]) {
    const run = await runWithFiles(['start'], demoEnv(), journal, /"msg":"ready"/);
    t.is(run.code, 0);
    const all = lines(run.stdout);
    t.true(all.length > 3);
    for (const line of all) t.notThrows(() => JSON.parse(line), line);
  }
});

test('info lines still held when the gateway stops are written before it exits', async (t) => {
  t.timeout(60_000);
  const run = await runWithFiles(['start'], demoEnv(), () => undefined, /"msg":"ready"/);
  t.is(run.code, 0);
  // "stopping" and "stopped" are info lines, held (src/log.ts) until the exit writes them.
  const msgs = lines(run.stdout).map((l) => JSON.parse(l).msg as string);
  t.deepEqual(msgs.slice(-2), ['stopping', 'stopped']);
});

test('the unit sends stdout to the journal with priority prefixes honoured', (t) => {
  const unit = readFileSync(UNIT, 'utf8');
  // Defaults: StandardOutput=journal, SyslogLevelPrefix=yes. A change to either silently breaks -p.
  t.notRegex(unit, /^\s*SyslogLevelPrefix\s*=\s*(no|false|0|off)\s*$/im);
  t.notRegex(unit, /^\s*StandardOutput\s*=(?!\s*journal)/im);
});
