// Applying settings without restarting what they do not touch (issue 9: "the parts that depend on
// a change restart in-process"). The plan is computed from the old and the new settings alone:
//   1. the changed settings, as dotted paths (`provider.url`, `mqtt.users`);
//   2. every part whose `settings` cover a changed path restarts;
//   3. so does every part that `uses` a service of a restarting part (it registered a handler or a
//      listener on it, or kept the object), and so on down the list;
//   4. the rest keeps running: the tills' connections, the ops link, the technician's page.
// A service read through `ctx` at each use (`ctx.loyalty`, the web part's live view) is never
// stale, so reading it does not tie a part to it; that is how the page outlives a new provider.
//
// Some changes are not applied part-wise; they restart the whole gateway in-process, as before:
//   - till_id, branch_id, mqtt.topic_prefix: every topic and the uplink's identity change;
//   - data_dir (or the config file's place): the outbox, secrets and run marker move;
//   - log_level: every part logs through the one logger made for it;
//   - demo mode on or off (the first till login, or the last one removed): the broker's
//     anonymous access, the built-in provider simulator and the catalogue change together;
//   - a setting no part declares (a new schema key nobody mapped yet): restarting all is safe.
import type { LoadedConfig } from '../config/load.ts';
import { type GatewayContext, PROVIDED_BY, type Services } from './context.ts';
import type { Part, StartedParts } from './part.ts';

/** Settings whose change restarts everything (see above). */
export const WHOLE_RESTART_SETTINGS = ['till_id', 'branch_id', 'mqtt.topic_prefix', 'data_dir', 'log_level'];

/**
 * Settings no part keeps: read at each use, from the files (the technician's password hash) or from
 * the context's settings (the request size limit: the router outlives every apply, see
 * src/parts/requests.ts).
 */
export const READ_AT_USE_SETTINGS = ['technician', 'mqtt.max_payload_bytes'];

export type ApplyPlan =
  | { kind: 'unchanged' }
  | { kind: 'whole'; reason: string; changed: string[] }
  /** `restart` is in list order (the order the parts start again). */
  | { kind: 'parts'; restart: string[]; changed: string[] };

export function planApply(parts: readonly Part[], old: LoadedConfig, next: LoadedConfig): ApplyPlan {
  const changed = changedPaths(old.settings, next.settings);
  if (old.configPath !== next.configPath || old.dataDir !== next.dataDir) {
    return { kind: 'whole', reason: 'the data directory or config file moved', changed };
  }
  if (changed.length === 0) return { kind: 'unchanged' };
  const whole = changed.find((p) => WHOLE_RESTART_SETTINGS.some((s) => covers(s, p)));
  if (whole !== undefined) return { kind: 'whole', reason: `${whole} changed`, changed };
  if (old.demo !== next.demo) {
    return { kind: 'whole', reason: `demo mode turned ${next.demo ? 'on' : 'off'}`, changed };
  }
  const relevant = changed.filter((p) => !READ_AT_USE_SETTINGS.some((s) => covers(s, p)));
  const unclaimed = relevant.find(
    (p) => !parts.some((part) => part.settings?.some((s) => s !== '*' && overlaps(s, p))),
  );
  if (unclaimed !== undefined) {
    return { kind: 'whole', reason: `no part declares ${unclaimed}`, changed };
  }
  const restart = new Set<string>();
  for (const part of parts) {
    // `*` (the catalogue shows every setting) is told of read-at-use changes too.
    const reads = part.settings?.some((s) => (s === '*' ? true : relevant.some((p) => overlaps(s, p))));
    const holds = part.uses?.some((service: keyof Services) => restart.has(PROVIDED_BY[service]));
    if (reads || holds) restart.add(part.name);
  }
  return { kind: 'parts', restart: [...restart], changed };
}

/**
 * Carries out a plan of kind `parts` on the running gateway: the context takes the new settings,
 * the planned parts restart, and the bus hears `applied` (health and the page refresh then).
 */
export async function applyParts(
  plan: Extract<ApplyPlan, { kind: 'parts' }>,
  next: LoadedConfig,
  ctx: GatewayContext,
  started: StartedParts,
): Promise<void> {
  const began = performance.now();
  // Till requests arriving meanwhile wait for the restarted parts instead of hearing
  // `unavailable`. The router is never among them (it reads its one setting at each request).
  const release = ctx.router.hold();
  ctx.applying = true;
  try {
    ctx.reconfigure(next);
    await started.restart(new Set(plan.restart));
  } finally {
    ctx.applying = false;
    release();
  }
  ctx.bus.emit('applied', { restarted: plan.restart });
  const duration_ms = Math.round(performance.now() - began);
  ctx.logger.info('settings applied', { restarted: plan.restart, changed: plan.changed, duration_ms });
}

/** How a plan reads in the apply result and the log: `loyalty, info` or `all`. */
export function restartedOf(plan: ApplyPlan): 'all' | string[] {
  return plan.kind === 'whole' ? 'all' : plan.kind === 'parts' ? plan.restart : [];
}

/** `a` is `b` or an ancestor of it (`provider` covers `provider.url`). */
function covers(a: string, b: string): boolean {
  return a === b || b.startsWith(`${a}.`);
}

function overlaps(a: string, b: string): boolean {
  return covers(a, b) || covers(b, a);
}

/**
 * The dotted paths where two settings objects differ, down to the leaves; arrays (the till logins)
 * and values of different kinds count as one leaf.
 */
export function changedPaths(a: unknown, b: unknown, prefix = ''): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(a) || !isObject(b)) {
    return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix];
  }
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.flatMap((k) => changedPaths(a[k], b[k], prefix ? `${prefix}.${k}` : k));
}
