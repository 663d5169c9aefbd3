// The gateway as a systemd service (DESIGN §9, systemd/edge-gateway.service): READY=1 once it
// serves, the watchdog while it runs, RELOADING=1 … READY=1 around an in-process restart (applying
// settings: the page, or `edge-gateway provision` and `systemctl reload`), STOPPING=1 when a signal
// stops it. Outside systemd (no $NOTIFY_SOCKET) all of this is off and costs nothing.
import type { Logger } from '../log.ts';
import { brokerCheck, outboxCheck } from './checks.ts';
import { type Notifier, systemdNotifier } from './sd-notify.ts';
import { type HealthCheck, startWatchdog, type Watchdog, watchdogPeriod } from './watchdog.ts';

/** What the service side needs of a started gateway. */
export interface ServedGateway {
  readonly base: string;
  readonly mqttHost: string;
  readonly mqttPort: number;
  readonly httpPort: number;
  readonly loyalty: { readonly dispatcher: { alive(): boolean } };
}

export interface ApplianceOptions {
  /** The gateway serving now; undefined while an in-process restart has stopped the old one. */
  gateway: () => ServedGateway | undefined;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** The transport; libsystemd's sd_notify unless a test hands another. */
  notifier?: Notifier;
  now?: () => number;
}

export interface Appliance {
  /** An in-process restart begins (the gateway is about to stop and start again). */
  reloading(): void;
  /** The restarted gateway serves. */
  reloaded(): void;
  /** The stop has begun (first thing on SIGTERM): stops the pings. */
  stopping(): void;
}

const off: Appliance = { reloading() {}, reloaded() {}, stopping() {} };

export async function startAppliance(opts: ApplianceOptions): Promise<Appliance> {
  const env = opts.env ?? process.env;
  const log = opts.logger;
  const now = opts.now ?? (() => performance.now());
  const notifier = opts.notifier ?? (await systemdNotifier(log));
  if (!notifier.enabled) return off;
  const statusText = () => {
    const g = opts.gateway();
    return g
      ? `serving ${g.base}: MQTT ${g.mqttHost}:${g.mqttPort}, status page port ${g.httpPort}`
      : 'restarting';
  };

  if (env.EDGE_TEST_HOOKS === '1' && env.NODE_ENV !== 'production') {
    // Test-only (test/appliance/watchdog.test.ts); never loaded by the appliance (NODE_ENV=production).
    const { installTestHooks } = await import('./test-hooks.ts');
    installTestHooks({ notifier, logger: log, env });
  }

  const period = watchdogPeriod(env, process.pid);
  let reloadingSince: number | undefined;
  let missingSince: number | undefined;
  // Each tick asks the gateway serving at that moment. Between the stop and the start of an
  // in-process restart there is none; that is healthy for one watchdog period, not forever.
  const ofCurrent = (name: string, check: (g: ServedGateway) => HealthCheck): HealthCheck => ({
    name,
    run() {
      const g = opts.gateway();
      if (g) {
        missingSince = undefined;
        return check(g).run();
      }
      missingSince ??= reloadingSince ?? now();
      const ms = now() - missingSince;
      return period && ms > period.periodMs ? `restart not finished after ${Math.round(ms)} ms` : undefined;
    },
  });
  let watchdog: Watchdog | undefined;
  notifier.send(`READY=1\nSTATUS=${statusText()}`);
  if (period) {
    watchdog = startWatchdog({
      notifier,
      period,
      checks: [
        ofCurrent('outbox dispatcher', (g) => outboxCheck(g.loyalty.dispatcher)),
        ofCurrent('broker', (g) => brokerCheck(g.mqttHost, g.mqttPort)),
      ],
      statusText,
      logger: log,
    });
  }
  log.info('systemd notified: ready', { watchdog_interval_ms: period?.intervalMs ?? null });
  return {
    reloading() {
      reloadingSince = now();
      notifier.send('RELOADING=1\nSTATUS=applying settings: restarting');
    },
    reloaded() {
      reloadingSince = undefined;
      notifier.send(`READY=1\nSTATUS=${statusText()}`);
    },
    stopping() {
      watchdog?.stop();
      notifier.send('STOPPING=1\nSTATUS=stopping');
    },
  };
}
