// `edge-gateway` command line (DESIGN §9). Exit codes come from the catalogue in errors.ts.
// First: before any library makes its `debug` loggers (src/util/library-debug.ts).
import './util/library-debug.ts';
import { parseArgs } from 'node:util';
import { HELPER_NICE, lowerHelperThreads } from './appliance/helper-threads.ts';
import { type Appliance, startAppliance } from './appliance/index.ts';
import { ENVIRONMENT } from './config/env.ts';
import { ConfigError } from './config/errors.ts';
import { loadConfig } from './config/load.ts';
import { hashPassword } from './config/password.ts';
import { redactSecrets } from './config/secrets.ts';
import { EXIT_CODES, EXIT_MEANINGS } from './errors.ts';
import { type Gateway, startGateway } from './gateway.ts';
import { consoleWriter, createLogger, isLogLevel, type Logger, type LogLevel } from './log.ts';
import { restartedOf } from './parts/apply.ts';
import { PartFailed } from './parts/part.ts';
import { startFailure } from './start-failure.ts';
import { VERSION } from './version.ts';
import type { WebHost } from './web/context.ts';
import { createLogRing } from './web/log-ring.ts';
import { createSessionStore } from './web/session-store.ts';

// How long the running gateway holds info lines before writing them together (src/log.ts): well
// past a scan's round trip, short enough that a kill -9 loses almost nothing.
const LOG_HOLD_MS = 50;

const HELP = `edge-gateway ${VERSION} — till edge gateway

Usage:
  edge-gateway start [--config FILE] [--data-dir DIR]   run the gateway (demo mode when unconfigured)
  edge-gateway config check [--config FILE] [--data-dir DIR]
                                                        validate the configuration and print it (secrets removed)
  edge-gateway config hash-password                     read a password on stdin, print its scrypt hash
  edge-gateway outbox [status | dead | retry ID | discard ID] [--json] [--data-dir DIR]
                                                        outbox depth and dead letters; retry or discard one
  edge-gateway status [--json]                          the running gateway: cloud and ops link, outbox, devices, system
  edge-gateway devices [--json]                         attached devices with profile, transport, state, last scan
  edge-gateway provision [--file FILE] [--till-id ID] [--branch-id ID] [--provider-url URL]
        [--provider-api-key KEY] [--ops-url URL] [--ops-username U] [--ops-password P]
        [--till-login USER:PASSWORD[:TILL]]...          set what the page's provisioning form sets, same validation
  edge-gateway claim                                    read the technician password on stdin and claim the box
                                                        (on a claimed box: sets a new one, for a forgotten password)
  edge-gateway simulate-provider [--port N] [--host H]  run the loyalty provider simulator alone (default port 8787)
  edge-gateway sub -t TOPIC [-v] [-h HOST] [-p PORT] …  print MQTT messages (the flags of mosquitto_sub)
  edge-gateway pub -t TOPIC -m MESSAGE [-h HOST] …      publish one MQTT message (the flags of mosquitto_pub)
  edge-gateway fleet --broker URL [--json] [--branch B] [--state S] [--sort K]
                                                        every till of every branch from the ops broker (fleet --help)
  edge-gateway --help | --version

Environment: ${Object.keys(ENVIRONMENT).join(', ')}.
Exit codes: ${Object.entries(EXIT_CODES)
  .map(([name, code]) => `${code} ${name}`)
  .join(', ')} (README: what each means).
`;

/** `edge-gateway <cmd> --help`: that command's lines of the help and the exit codes; else all of it. */
function helpFor(cmd: string | undefined): string {
  const lines = HELP.split('\n');
  const own: string[] = [];
  let inEntry = false;
  for (const l of lines) {
    if (l.startsWith('  edge-gateway '))
      inEntry = cmd !== undefined && l.startsWith(`  edge-gateway ${cmd} `);
    else if (!l.startsWith('        ')) inEntry = false;
    if (inEntry) own.push(l);
  }
  if (cmd === 'help' || own.length === 0) return HELP;
  const exits = lines.find((l) => l.startsWith('Exit codes:'));
  return `Usage:\n${own.join('\n')}\n\n${exits}\nAll commands: edge-gateway --help\n`;
}

/** node:util's parse errors in this command line's words (an unknown option is named as such). */
function usageError(err: Error & { code?: string }): string {
  const named = /'(-[^' ]+)/.exec(err.message)?.[1];
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && named) return `unknown option: ${named}`;
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && named) return `option ${named} needs a value`;
  return err.message;
}

function bootLogger(): Logger {
  const lvl = process.env.EDGE_LOG_LEVEL;
  return createLogger({ level: isLogLevel(lvl) ? lvl : 'info' });
}

export async function main(argv: string[]): Promise<number> {
  // The MQTT clients take mosquitto's flags (-h is the host there), so they parse their own.
  if (argv[0] === 'sub' || argv[0] === 'pub') {
    const { subCommand, pubCommand } = await import('./mqtt-cli.ts');
    return argv[0] === 'sub' ? subCommand(argv.slice(1)) : pubCommand(argv.slice(1));
  }
  if (argv[0] === 'fleet') {
    // Its own options (broker, filters): parsed by the fleet command, not mixed into the box's.
    const { fleetCommand } = await import('./fleet/cli.ts');
    return fleetCommand(argv.slice(1), {
      stdout: process.stdout,
      stderr: process.stderr,
      stdin: process.stdin,
      env: process.env,
    });
  }
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    process.stderr.write(`${usageError(err as Error & { code?: string })}\n\n${helpFor(argv[0])}`);
    return EXIT_CODES.usage;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return EXIT_CODES.ok;
  }
  const [cmd, sub] = positionals;
  if (values.help || cmd === undefined || cmd === 'help') {
    process.stdout.write(helpFor(cmd));
    return cmd === undefined && !values.help ? EXIT_CODES.usage : EXIT_CODES.ok;
  }
  switch (cmd) {
    case 'start':
      return start(values.config, values['data-dir']);
    case 'config':
      if (sub === 'check') return configCheck(values.config, values['data-dir']);
      if (sub === 'hash-password') return hashFromStdin();
      break;
    case 'simulate-provider':
      return simulateProvider(values.port, values.host);
    case 'status':
    case 'devices':
    case 'provision':
    case 'claim': {
      const tech = await import('./technician-cli.ts');
      const logger = createLogger({ level: 'warn', write: consoleWriter('stderr') });
      const ctx = {
        configPath: values.config,
        dataDir: values['data-dir'],
        logger,
        out: (s: string) => process.stdout.write(s),
        err: (s: string) => process.stderr.write(s),
      };
      try {
        if (cmd === 'status') return await tech.statusCommand(ctx, values.json === true);
        if (cmd === 'devices') return await tech.devicesCommand(ctx, values.json === true);
        if (cmd === 'provision') return await tech.provisionCommand(ctx, values);
        return await tech.claimCommand(ctx, process.stdin);
      } catch (err) {
        return reportConfigError(err, logger);
      }
    }
    case 'outbox': {
      const { outboxCommand } = await import('./outbox-cli.ts');
      const logger = createLogger({ level: 'warn', write: consoleWriter('stderr') });
      try {
        return await outboxCommand(positionals.slice(1), {
          configPath: values.config,
          dataDir: values['data-dir'],
          logger,
          json: values.json === true,
        });
      } catch (err) {
        return reportConfigError(err, logger);
      }
    }
  }
  process.stderr.write(`unknown command: ${positionals.join(' ')}\n\n${HELP}`);
  return EXIT_CODES.usage;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      'data-dir': { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      json: { type: 'boolean' },
      file: { type: 'string' },
      'till-id': { type: 'string' },
      'branch-id': { type: 'string' },
      'provider-url': { type: 'string' },
      'provider-api-key': { type: 'string' },
      'ops-url': { type: 'string' },
      'ops-username': { type: 'string' },
      'ops-password': { type: 'string' },
      'till-login': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
}

async function start(configPath?: string, dataDir?: string): Promise<number> {
  const boot = bootLogger();
  let loaded: Awaited<ReturnType<typeof loadConfig>>;
  try {
    loaded = await loadConfig({ configPath, dataDir, logger: boot });
  } catch (err) {
    return reportConfigError(err, boot);
  }
  // Recent lines are kept for the page's diagnostics download.
  const logs = createLogRing();
  // Info lines (one per scan) are held briefly and written together (src/log.ts, scan latency).
  const stdout = consoleWriter('stdout', { holdMs: LOG_HOLD_MS });
  const makeLogger = (level: LogLevel) =>
    createLogger({
      level,
      write: (line, lineLevel, urgent) => {
        stdout(line, lineLevel, urgent);
        logs.push(line);
      },
    });
  let log = makeLogger(loaded.settings.log_level);
  const abort = new AbortController();
  let gateway: Gateway | undefined;
  let appliance: Appliance | undefined;
  let stopping = false;
  let restarting: Promise<void> | undefined;

  // Applying settings (page, `edge-gateway provision` + SIGHUP): the files are read again and
  // only the parts the change concerns restart in-process (src/parts/apply.ts); a change that
  // concerns them all (till id, branch, data dir, log level, demo mode on or off) restarts the
  // whole gateway object here, with the logger made anew. Either way the outbox closes its SQLite
  // file cleanly and reopens it. Invalid settings are refused: the gateway keeps running as it is.
  // Sessions and recent logs live here, outside the gateway.
  const reload = async () => {
    try {
      return await loadConfig({ configPath, dataDir, logger: log });
    } catch (err) {
      reportConfigError(err, log);
      log.warn('settings not applied: the gateway keeps running with the settings it has');
      return undefined;
    }
  };
  const restart = (reason: string) => {
    if (stopping || restarting) return;
    restarting = (async () => {
      // systemd hears RELOADING=1 … READY=1 around every reload, also one that changes nothing.
      appliance?.reloading();
      const next = await reload();
      const plan = next && gateway?.plan(next);
      if (!next || !gateway || !plan || plan.kind === 'unchanged') {
        if (plan?.kind === 'unchanged') log.info('settings applied: nothing changed', { reason });
        appliance?.reloaded();
        return;
      }
      if (plan.kind === 'parts') {
        log.info('applying settings: restarting parts in-process', { reason, restart: plan.restart });
        try {
          await gateway.apply(next);
          loaded = next;
          appliance?.reloaded();
        } catch (err) {
          if (abort.signal.aborted) return;
          await gateway.stop();
          process.exit(reportStartFailure(err, log));
        }
        return;
      }
      log.info('applying settings: restarting the whole gateway in-process', { reason, why: plan.reason });
      const began = performance.now();
      await gateway.stop();
      gateway = undefined;
      loaded = next;
      log = makeLogger(loaded.settings.log_level);
      try {
        gateway = await startGateway({ config: loaded, logger: log, signal: abort.signal, web: host });
        const duration_ms = Math.round(performance.now() - began);
        log.info('settings applied', { restarted: 'all', changed: plan.changed, duration_ms });
        appliance?.reloaded();
      } catch (err) {
        if (abort.signal.aborted) return;
        process.exit(reportStartFailure(err, log));
      }
    })().finally(() => {
      restarting = undefined;
    });
  };
  // What applying the files as they are now would restart (the page's answer tells the technician).
  const preview = async () => {
    const next = await reload();
    if (!next || !gateway) return undefined;
    return restartedOf(gateway.plan(next));
  };
  const host: WebHost = {
    sessions: createSessionStore(),
    logs,
    startedAt: Date.now(),
    requestRestart: restart,
    previewApply: preview,
  };

  const onSignal = (signal: string) => {
    if (stopping) return;
    stopping = true;
    appliance?.stopping();
    log.info('stopping', { signal });
    abort.abort();
    // DESIGN/issue 2: clean stop within 2 s; never hang a systemd stop.
    setTimeout(() => {
      log.error('stop took too long, exiting');
      process.exit(EXIT_CODES.failure);
    }, 1900).unref();
    void (restarting ?? Promise.resolve())
      .then(() => gateway?.stop())
      .then(() => {
        log.info('stopped');
        process.exit(EXIT_CODES.ok);
      });
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  // `systemctl reload`: apply settings written by `edge-gateway provision`.
  process.on('SIGHUP', () => restart('SIGHUP'));
  try {
    gateway = await startGateway({ config: loaded, logger: log, signal: abort.signal, web: host });
  } catch (err) {
    if (abort.signal.aborted) return EXIT_CODES.ok;
    return reportStartFailure(err, log);
  }
  if (abort.signal.aborted) await gateway.stop();
  else {
    const helpers = lowerHelperThreads(log);
    log.debug('helper threads yield to the main thread', { threads: helpers, nice: HELPER_NICE });
    // While parts restart to apply settings, the service sees what it sees between stop and start.
    const serving = () => (gateway?.applying ? undefined : gateway);
    appliance = await startAppliance({ gateway: serving, logger: log.child({ part: 'systemd' }) });
    if (stopping) appliance.stopping(); // a signal came while the notify library loaded
  }
  return new Promise<number>(() => {}); // runs until a signal
}

/** Logs why a start failed and returns its exit code from the catalogue (errors.ts). */
function reportStartFailure(err: unknown, log: Logger): number {
  const failure = startFailure(err);
  const cause = err instanceof PartFailed ? err.cause : err;
  log.error('start failed', { part: failure.part, exit: failure.exit, error: cause });
  const meaning = `exit ${EXIT_CODES[failure.exit]} ${failure.exit}: ${EXIT_MEANINGS[failure.exit]}`;
  process.stderr.write(`edge-gateway: ${failure.message}\n  (${meaning})\n`);
  return EXIT_CODES[failure.exit];
}

async function configCheck(configPath?: string, dataDir?: string): Promise<number> {
  const boot = createLogger({ level: 'warn', write: consoleWriter('stderr') });
  try {
    const loaded = await loadConfig({ configPath, dataDir, logger: boot });
    process.stdout.write(
      JSON.stringify(
        {
          ok: true,
          config_file: loaded.configPath,
          config_file_exists: loaded.configExists,
          data_dir: loaded.dataDir,
          demo: loaded.demo,
          settings: redactSecrets(loaded.settings),
        },
        null,
        2,
      ) + '\n',
    );
    return EXIT_CODES.ok;
  } catch (err) {
    return reportConfigError(err, boot);
  }
}

function reportConfigError(err: unknown, log: Logger): number {
  if (err instanceof ConfigError) {
    // One line for the journal (machine-readable), and the readable list for a person.
    log.error('invalid configuration', { file: err.file, problems: err.problems });
    process.stderr.write(`${err.message}\n`);
    return EXIT_CODES.config_invalid;
  }
  const failure = startFailure(err);
  log.error('configuration could not be read', { exit: failure.exit, error: err });
  process.stderr.write(`configuration could not be read: ${failure.message}\n`);
  return EXIT_CODES[failure.exit];
}

async function simulateProvider(portArg?: string, host?: string): Promise<number> {
  const { runSimulatorCli, DEFAULT_SIMULATOR_PORT } = await import('./loyalty/simulator/main.ts');
  const port = portArg === undefined ? DEFAULT_SIMULATOR_PORT : Number(portArg);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be a port number 0-65535, got ${portArg}\n`);
    return EXIT_CODES.usage;
  }
  await runSimulatorCli({ port, host: host ?? '127.0.0.1' });
  // Runs until SIGTERM/SIGINT closes the server; the process then ends on its own.
  return new Promise<number>(() => {});
}

async function hashFromStdin(): Promise<number> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (!password) {
    process.stderr.write('no password on stdin\n');
    return EXIT_CODES.usage;
  }
  process.stdout.write(`${await hashPassword(password)}\n`);
  return EXIT_CODES.ok;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`edge-gateway: ${(err as Error).stack ?? err}\n`);
    process.exit(EXIT_CODES.failure);
  },
);
