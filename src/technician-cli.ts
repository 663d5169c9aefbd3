// The technician's commands for headless boxes (issue 9): `status` and `devices` ask the running
// gateway (its status API on loopback), `provision` writes settings with the page's validation
// (src/config/provision.ts), `claim` sets the technician password from the console — whoever has
// a shell on the box is on site, so it also resets a forgotten password.
import { readFileSync } from 'node:fs';
import { formatProblems } from './config/errors.ts';
import { type LoadedConfig, loadConfig } from './config/load.ts';
import { PROVISION_FIELDS, type ProvisionPatch, provision } from './config/provision.ts';
import { isDemoMode, type Settings } from './config/schema.ts';
import { EXIT_CODES } from './errors.ts';
import type { Logger } from './log.ts';
import { runningPid } from './uplink/run-marker.ts';
import { textTable } from './util/text-table.ts';
import { passwordProblem } from './web/auth.ts';
import { setTechnicianPassword } from './web/box-secrets.ts';
import type { StatusDocument } from './web/status.ts';

export interface CliContext {
  configPath?: string;
  dataDir?: string;
  logger: Logger;
  out: (text: string) => void;
  err: (text: string) => void;
}

async function fetchStatus(ctx: CliContext): Promise<StatusDocument | number> {
  const loaded = await loadConfig({ configPath: ctx.configPath, dataDir: ctx.dataDir, logger: ctx.logger });
  const { host: h, port } = loaded.settings.http;
  const host = h === '0.0.0.0' || h === '::' ? '127.0.0.1' : h;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/api/status`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return (await res.json()) as StatusDocument;
  } catch {
    ctx.err(`the gateway is not running or not answering on ${url}\n`);
    return EXIT_CODES.failure;
  }
}

export async function statusCommand(ctx: CliContext, json: boolean): Promise<number> {
  const st = await fetchStatus(ctx);
  if (typeof st === 'number') return st;
  if (json) {
    ctx.out(JSON.stringify(st, null, 2) + '\n');
    return EXIT_CODES.ok;
  }
  const c = st.health.cloud;
  const o = st.health.outbox;
  const s = st.health.system;
  ctx.out(
    [
      `till ${st.till_id} · branch ${st.branch_id} · v${st.version}${st.demo ? ' · demo mode' : ''} · up ${st.uptime_s} s`,
      `claimed:   ${st.claimed ? 'yes' : 'no (setup code in the journal, or: edge-gateway claim)'}`,
      `cloud:     ${c.state}${c.latency_ms !== null ? `, ${c.latency_ms} ms` : ''}, last success ${c.last_ok_at ?? 'never'}${c.last_error ? `, last error ${c.last_error.code} at ${c.last_error.at}` : ''}`,
      `ops:       ${st.ops.state.replace('_', ' ')}${'reason' in st.ops ? ` (${st.ops.reason})` : ''}`,
      `outbox:    ${o.depth} waiting, oldest ${o.oldest_age_s} s, ${o.dead} dead${o.alarms.length ? `, alarms ${o.alarms.join(', ')}` : ''}`,
      `devices:   ${st.devices.length} (${st.devices.filter((d) => d.state === 'online').length} online)`,
      `system:    load ${s.load_1m}, mem ${s.mem_used_pct} %, gateway ${s.process_rss_mb} MB, cpu ${s.cpu_temp_c ?? '—'} °C, disk free ${s.disk_free_mb ?? '—'} MB`,
      `mqtt:      port ${st.mqtt.port}, ${st.mqtt.clients} clients`,
    ].join('\n') + '\n',
  );
  return EXIT_CODES.ok;
}

export async function devicesCommand(ctx: CliContext, json: boolean): Promise<number> {
  const st = await fetchStatus(ctx);
  if (typeof st === 'number') return st;
  if (json) {
    ctx.out(JSON.stringify(st.devices, null, 2) + '\n');
    return EXIT_CODES.ok;
  }
  if (st.devices.length === 0) {
    ctx.out('no devices attached\n');
    return EXIT_CODES.ok;
  }
  const rows = st.devices.map((d) => [d.id, d.profile, d.transport, d.state, d.last_scan_at ?? 'never']);
  ctx.out(textTable(['DEVICE', 'PROFILE', 'TRANSPORT', 'STATE', 'LAST SCAN'], rows));
  return EXIT_CODES.ok;
}

export interface ProvisionFlags {
  file?: string;
  'till-id'?: string;
  'branch-id'?: string;
  'provider-url'?: string;
  'provider-api-key'?: string;
  'ops-url'?: string;
  'ops-username'?: string;
  'ops-password'?: string;
  /** `username:password[:till_id]`, repeatable; replaces the till logins. */
  'till-login'?: string[];
}

/** The flags that set provisioning fields, as `--help` lists them. */
const PROVISION_FLAGS = [
  '--till-id',
  '--branch-id',
  '--provider-url',
  '--provider-api-key',
  '--ops-url',
  '--ops-username',
  '--ops-password',
  '--till-login USER:PASSWORD[:TILL]',
];

export async function provisionCommand(ctx: CliContext, flags: ProvisionFlags): Promise<number> {
  let patch: ProvisionPatch = {};
  if (flags.file) {
    try {
      patch = fromFile(JSON.parse(readFileSync(flags.file, 'utf8')));
    } catch (err) {
      ctx.err(`${flags.file}: ${(err as Error).message}\n`);
      return EXIT_CODES.usage;
    }
  }
  const set = (k: keyof ProvisionPatch, v: unknown) => {
    if (v !== undefined) patch[k] = v;
  };
  set('till_id', flags['till-id']);
  set('branch_id', flags['branch-id']);
  set('provider.url', flags['provider-url']);
  set('provider.api_key', flags['provider-api-key']);
  set('uplink.url', flags['ops-url']);
  set('uplink.username', flags['ops-username']);
  set('uplink.password', flags['ops-password']);
  if (flags['till-login']) {
    patch['mqtt.users'] = flags['till-login'].map((l) => {
      const [username, password, till_id] = l.split(':');
      return { username, password, till_id };
    });
  }
  if (Object.keys(patch).length === 0) {
    ctx.err(`nothing to provision: give --file FILE or flags (${PROVISION_FLAGS.join(', ')})\n`);
    return EXIT_CODES.usage;
  }
  const loaded = await loadConfig({
    configPath: ctx.configPath,
    dataDir: ctx.dataDir,
    logger: ctx.logger,
  }).catch(() => null);
  const target = {
    configPath: loaded?.configPath ?? ctx.configPath ?? `${ctx.dataDir ?? '.edge-data'}/config.json`,
    dataDir: loaded?.dataDir ?? ctx.dataDir ?? '.edge-data',
    env: process.env,
    logger: ctx.logger,
  };
  const result = await provision(target, patch);
  if (!result.ok) {
    // The page's words, with the flag named where the page would name its form.
    const problems = result.problems.map((p) =>
      p.source === 'form'
        ? { ...p, source: flags.file ? `${flags.file} or --till-login` : '--till-login' }
        : p,
    );
    ctx.err(`${formatProblems(problems, target.configPath)}\n`);
    return EXIT_CODES.config_invalid;
  }
  if (result.changed.length === 0) {
    ctx.out('nothing changed\n');
    return EXIT_CODES.ok;
  }
  const restarting = await restarts(loaded, result.settings);
  ctx.out(`provisioned: ${result.changed.join(', ')}\n`);
  ctx.out(`apply now: systemctl reload edge-gateway (restarts in-process: ${restarting})\n`);
  // Without the systemd unit (scripts/dev-start.sh, a gateway started by hand) there is nothing to
  // `systemctl reload`; the reload is SIGHUP, so name the process that would hear it. An "apply now:"
  // line like the other, which scripts/provision drops as it reloads by itself.
  const pid = runningPid(target.dataDir);
  if (pid !== null)
    ctx.out(
      `apply now: or, without the systemd unit, kill -HUP ${pid} (the gateway running from ${target.dataDir})\n`,
    );
  return EXIT_CODES.ok;
}

/** A settings-shaped file (`{"provider": {"url": …}, "mqtt": {"users": […]}}`) → form fields. */
function fromFile(data: Record<string, unknown>): ProvisionPatch {
  const patch: ProvisionPatch = {};
  for (const f of PROVISION_FIELDS) {
    let cur: unknown = data;
    for (const k of f.split('.'))
      cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined;
    if (cur !== undefined) patch[f] = cur;
  }
  return patch;
}

export async function claimCommand(ctx: CliContext, stdin: AsyncIterable<Buffer | string>): Promise<number> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(Buffer.from(c));
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  const problem = passwordProblem(password);
  if (problem) {
    ctx.err(`${problem} (give the new technician password on stdin)\n`);
    return EXIT_CODES.usage;
  }
  const loaded = await loadConfig({ configPath: ctx.configPath, dataDir: ctx.dataDir, logger: ctx.logger });
  await setTechnicianPassword(loaded.dataDir, password);
  ctx.out('technician password set: the box is claimed; log in on the status page\n');
  return EXIT_CODES.ok;
}

/**
 * What this change restarts when applied (src/parts/apply.ts), against the files before it.
 * Planned from the settings provisioning validated: loading the files again would write them.
 */
async function restarts(before: LoadedConfig | null, settings: Settings): Promise<string> {
  if (!before) return 'the whole gateway';
  const [{ PARTS }, { planApply, restartedOf }] = await Promise.all([
    import('./gateway.ts'),
    import('./parts/apply.ts'),
  ]);
  const after = {
    ...before,
    settings: { ...settings, data_dir: before.dataDir },
    demo: isDemoMode(settings),
  };
  const restarted = restartedOf(planApply(PARTS, before, after));
  return restarted === 'all' ? 'the whole gateway' : restarted.join(', ');
}
