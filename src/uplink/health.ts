// The health document (DESIGN §3 `gateway/health`, §8 ops `.../health`): cloud link, outbox
// `{depth, oldest_age_s, dead}`, devices, system. Published retained on change (at most once a
// second, so a draining outbox does not flood the till) and every interval.
import type { DeviceState } from '../devices/manager.ts';
import type { Logger } from '../log.ts';
import type { LoyaltyHealth } from '../loyalty/service.ts';
import type { SystemHealth } from './system.ts';

export interface HealthSources {
  loyalty(): LoyaltyHealth;
  devices(): DeviceState[];
  system(): SystemHealth;
}

export function healthDocument(src: HealthSources) {
  const l = src.loyalty();
  return {
    cloud: { provider: l.provider, simulated: l.simulated, ...l.link, circuit: l.outbox.circuit },
    outbox: {
      depth: l.outbox.depth,
      oldest_age_s: l.outbox.oldest_age_s,
      dead: l.outbox.dead,
      alarms: l.outbox.alarms,
    },
    devices: src
      .devices()
      .map((d) => ({ id: d.id, profile: d.profile, transport: d.transport, state: d.state })),
    system: src.system(),
  };
}

export type HealthDocument = ReturnType<typeof healthDocument>;

export interface HealthPublisher {
  changed(): void;
  stop(): void;
}

export function startHealthPublisher(opts: {
  document: () => HealthDocument;
  publish: (doc: HealthDocument) => Promise<void>;
  intervalMs: number;
  minGapMs?: number;
  logger: Logger;
}): HealthPublisher {
  const minGap = opts.minGapMs ?? 1000;
  let last = 0;
  let pending: NodeJS.Timeout | undefined;
  const send = () => {
    pending = undefined;
    last = Date.now();
    Promise.resolve()
      .then(() => opts.publish(opts.document()))
      .catch((err) => opts.logger.error('health publish failed', { error: err }));
  };
  const timer = setInterval(send, opts.intervalMs);
  timer.unref();
  return {
    changed() {
      if (pending) return;
      pending = setTimeout(send, Math.max(0, last + minGap - Date.now()));
      pending.unref();
    },
    stop() {
      clearInterval(timer);
      if (pending) clearTimeout(pending);
    },
  };
}
