// Runs the real `edge-gateway` command as a child process.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killAtExit } from './cleanup.ts';

export const BIN = fileURLToPath(new URL('../../bin/edge-gateway.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Modification times of the files below `root/dir` whose name ends in `ext`. */
function mtimes(root: string, dir: string, ext: string): number[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(ext))
    .map((f) => statSync(join(root, dir, f)).mtimeMs);
}

/**
 * The command the tests run from the checkout at `root`: the compiled `dist/cli.js` (what the
 * appliance runs; `npm test` builds it) when every compiled file is newer than every source file
 * and the build settings, else `bin/edge-gateway.js`, which runs the sources through tsx. The same
 * code either way; the build starts in about half the CPU time, and the suite starts the command
 * some hundred times. Run directly rather than through the bin with NODE_ENV=production, which
 * would turn the test hooks off (EDGE_TEST_HOOKS). A source edited after the build runs through
 * tsx: never stale output. `EDGE_TEST_CLI=tsx` runs the sources all the same.
 */
export function cliEntry(root: string, env: NodeJS.ProcessEnv): string {
  const bin = join(root, 'bin', 'edge-gateway.js');
  if (env.EDGE_TEST_CLI === 'tsx') return bin;
  try {
    const built = mtimes(root, 'dist', '.js');
    if (built.length === 0) return bin;
    const sources = [
      ...mtimes(root, 'src', '.ts'),
      ...['tsconfig.json', 'tsconfig.build.json', 'package.json'].map((f) => statSync(join(root, f)).mtimeMs),
    ];
    return Math.min(...built) > Math.max(...sources) ? join(root, 'dist', 'cli.js') : bin;
  } catch {
    return bin; // no dist/
  }
}

export const CLI_ENTRY = cliEntry(ROOT, process.env);

export interface Running {
  child: ChildProcess;
  lines: any[];
  /** Standard output as written, for commands that print one document rather than log lines. */
  stdout: string[];
  stderr: string[];
  ready: Promise<any>;
  exited: Promise<number | null>;
}

/** `wrap` runs the command under another program (e.g. `strace … -o FILE`), which gets node's command line. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, wrap: string[] = []): Running {
  const [command, ...prefix] = [...wrap, process.execPath];
  return runGatewayProcess(command!, [...prefix, CLI_ENTRY, ...args], env);
}

/** The same for another command line that runs the gateway (an installed copy, one under strace). */
export function runGatewayProcess(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(command, args, {
    // Demo mode with a fixed MQTT port serves WebSocket on 9001: any free port instead, so test
    // gateways running side by side never collide on it (a test that wants a port names one).
    env: { PATH: process.env.PATH, HOME: process.env.HOME, EDGE_MQTT_WS_PORT: '0', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // A test that times out or fails before its teardown must not leave a gateway holding its ports
  // and a core for the rest of the suite: it ends with the test process at the latest.
  killAtExit(child);
  const lines: any[] = [];
  const stdout: string[] = [];
  const stderr: string[] = [];
  let buf = '';
  let onReady: (line: any) => void = () => {};
  const ready = new Promise<any>((resolve, reject) => {
    onReady = resolve;
    child.once('close', (code) => reject(new Error(`exited with ${code} before ready: ${stderr.join('')}`)));
  });
  ready.catch(() => {});
  child.stdout!.on('data', (d: Buffer) => {
    stdout.push(d.toString());
    buf += d.toString();
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        const json = JSON.parse(line);
        lines.push(json);
        if (json.msg === 'ready') onReady(json);
      } catch {
        lines.push(line);
      }
    }
  });
  child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
  // 'close', not 'exit': 'exit' can come before the last stdout/stderr chunks are read, and a
  // test that reads what was printed after `exited` would then see nothing (CI saw that once).
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, lines, stdout, stderr, ready, exited };
}
