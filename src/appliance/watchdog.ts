// The service watchdog (systemd.service(5) WatchdogSec=, sd_watchdog_enabled(3)): WATCHDOG=1 every
// half of the period systemd gives in $WATCHDOG_USEC, and only while the gateway is healthy. A
// gateway that stops feeding is killed and restarted by systemd (Restart=always in the unit).
//
// Healthy means: the event loop is not stalled, and every check passes (outbox dispatcher alive,
// broker accepting; see checks.ts). A ping is sent from the loop itself, so a blocked loop sends
// none and is killed after the period. A tick that runs later than the stall limit (a quarter of the
// period) is withheld as well: the next ping would then come after the period, so a loop that froze
// that long is restarted instead of limping on — scans are meant to take milliseconds. Health
// changes are logged and shown in `systemctl status` (STATUS=), once per change, not per tick.
import type { Logger } from '../log.ts';
import type { Notifier } from './sd-notify.ts';

export interface HealthCheck {
  readonly name: string;
  /** A problem in a few words, or undefined when healthy. */
  run(): string | undefined | Promise<string | undefined>;
}

export interface WatchdogPeriod {
  /** The period systemd enforces (WatchdogSec=). */
  periodMs: number;
  /** How often the gateway pings: half the period, as sd_watchdog_enabled(3) recommends. */
  intervalMs: number;
  /** A tick later than this means the event loop stalled: half the interval. */
  stallLimitMs: number;
}

/**
 * The watchdog systemd asked for, from $WATCHDOG_USEC (and $WATCHDOG_PID, which must name this
 * process when set: a variable inherited from a parent is not addressed to us).
 */
export function watchdogPeriod(env: NodeJS.ProcessEnv, pid: number): WatchdogPeriod | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isSafeInteger(usec) || usec <= 0) return undefined;
  if (env.WATCHDOG_PID !== undefined && env.WATCHDOG_PID !== '' && Number(env.WATCHDOG_PID) !== pid) {
    return undefined;
  }
  const periodMs = usec / 1000;
  return { periodMs, intervalMs: periodMs / 2, stallLimitMs: periodMs / 4 };
}

export interface WatchdogOptions {
  notifier: Notifier;
  period: WatchdogPeriod;
  checks: readonly HealthCheck[];
  /** STATUS= text shown while healthy. */
  statusText: () => string;
  logger: Logger;
  now?: () => number;
}

export interface Watchdog {
  /** True while the last tick found nothing wrong. */
  healthy(): boolean;
  stop(): void;
}

export function startWatchdog(opts: WatchdogOptions): Watchdog {
  const { notifier, period, checks, logger: log } = opts;
  const now = opts.now ?? (() => performance.now());
  const interval = period.intervalMs;
  // A check that has not answered by then counts as failed: it must not hold back the next tick.
  const checkTimeoutMs = Math.max(50, Math.min(2000, interval / 2));
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let healthy = true;
  let reported = '';
  let expected = 0;

  const schedule = () => {
    if (stopped) return;
    expected = now() + interval;
    timer = setTimeout(() => void tick(), interval);
  };

  async function tick(): Promise<void> {
    const lag = now() - expected;
    const problems: string[] = [];
    if (lag > period.stallLimitMs) problems.push(`event loop stalled ${Math.round(lag)} ms`);
    const results = await Promise.all(checks.map((c) => runCheck(c, checkTimeoutMs)));
    if (stopped) return;
    for (const r of results) if (r !== undefined) problems.push(r);
    if (problems.length === 0) {
      notifier.send('WATCHDOG=1');
      if (!healthy) {
        healthy = true;
        reported = '';
        notifier.send(`STATUS=${opts.statusText()}`);
        log.info('healthy again, feeding the service watchdog');
      }
    } else {
      healthy = false;
      // Names only: a stall's duration changes every tick, the problem does not.
      const key = problems.map((p) => p.replace(/\d+ ms$/, '')).join('|');
      if (key !== reported) {
        reported = key;
        notifier.send(`STATUS=unhealthy: ${problems.join('; ')}`);
        log.warn('unhealthy, not feeding the service watchdog', {
          problems,
          watchdog_period_ms: period.periodMs,
        });
      }
    }
    schedule();
  }

  schedule();
  return {
    healthy: () => healthy,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

async function runCheck(check: HealthCheck, timeoutMs: number): Promise<string | undefined> {
  let t: NodeJS.Timeout | undefined;
  const timedOut = new Promise<string>((resolve) => {
    t = setTimeout(() => resolve(`${check.name}: no answer within ${timeoutMs} ms`), timeoutMs);
  });
  try {
    const problem = await Promise.race([Promise.resolve().then(() => check.run()), timedOut]);
    return problem === undefined || problem.startsWith(`${check.name}:`)
      ? problem
      : `${check.name}: ${problem}`;
  } catch (err) {
    return `${check.name}: ${(err as Error).message}`;
  } finally {
    clearTimeout(t);
  }
}
