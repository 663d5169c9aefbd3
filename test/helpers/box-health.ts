// A box's health document as the gateway builds it (src/uplink/health.ts), with the values of a Pi
// at a till that works, for what needs one without running a gateway: the fleet model's tests and
// the fleet benchmark's simulated boxes (bench/fleet-boxes.ts). Each overrides what it is about.
import type { healthDocument } from '../../src/uplink/health.ts';

export type BoxHealth = ReturnType<typeof healthDocument>;

export interface BoxHealthOptions {
  /** When the document was sampled (ms since the epoch); default now. */
  at?: number;
  cloud?: Partial<BoxHealth['cloud']>;
  outbox?: Partial<BoxHealth['outbox']>;
  devices?: BoxHealth['devices'];
}

export function boxHealth(opts: BoxHealthOptions = {}): BoxHealth {
  const at = new Date(opts.at ?? Date.now()).toISOString();
  return {
    cloud: {
      provider: 'helloagain',
      simulated: false,
      state: 'up',
      last_ok_at: at,
      last_error: null,
      latency_ms: 180,
      circuit: 'closed',
      ...opts.cloud,
    },
    outbox: { depth: 0, oldest_age_s: 0, dead: 0, alarms: [], ...opts.outbox },
    devices: opts.devices ?? [
      { id: 'scanner-1', profile: 'honeywell-1900', transport: 'hid-pos', state: 'online' },
      { id: 'reader-1', profile: 'generic-serial', transport: 'serial', state: 'online' },
    ],
    system: {
      cpu_temp_c: 48.5,
      load_1m: 0.1,
      load_5m: 0.1,
      mem_used_pct: 31.2,
      process_rss_mb: 62.1,
      disk_free_mb: 12000,
      disk_used_pct: 22.5,
      uptime_s: 86400,
      sampled_at: at,
    },
  };
}
