// What the web part needs from the rest of the gateway: read-only views of the running parts, plus
// the few things that outlive one gateway object (sessions, recent log lines, the restart request)
// and so come from whoever runs the gateway (the CLI's start loop, or a test).
import type { LoadedConfig } from '../config/load.ts';
import type { DeviceManager } from '../devices/manager.ts';
import type { Logger } from '../log.ts';
import type { LoyaltyService } from '../loyalty/service.ts';
import type { Broker } from '../mqtt/broker.ts';
import type { UplinkInventory } from '../mqtt/topics.ts';
import type { ScanPipeline } from '../scans/pipeline.ts';
import type { HealthDocument } from '../uplink/health.ts';
import type { Uplink } from '../uplink/uplink.ts';
import type { LogRing } from './log-ring.ts';
import type { SessionStore } from './session-store.ts';

/** Lives as long as the process, across in-process restarts of the gateway. */
export interface WebHost {
  sessions: SessionStore;
  logs?: LogRing;
  /** Applies the written configuration: restarts the parts it concerns, or the whole gateway. */
  requestRestart?: (reason: string) => void;
  /** What applying the files now would restart: part names, `all`, or undefined (invalid files). */
  previewApply?: () => Promise<string[] | 'all' | undefined>;
  /** When the process started (uptime survives an in-process restart). */
  startedAt: number;
}

export interface WebContext {
  config: LoadedConfig;
  logger: Logger;
  broker: Broker;
  devices: DeviceManager;
  scans: ScanPipeline;
  loyalty: LoyaltyService;
  /**
   * Loyalty once it is running: while it restarts to apply settings, waits for it as a till's
   * request does (src/parts/apply.ts, at most HOLD_LIMIT_MS); rejects past that or when it is off.
   */
  loyaltyReady: () => Promise<LoyaltyService>;
  /** The one health document of the gateway (the same as `gateway/health` and ops get). */
  health: () => HealthDocument;
  /** The ops uplink (DESIGN §8); its link state is the status page's "ops link". */
  uplink?: Pick<Uplink, 'status'>;
  /** The box inventory (DESIGN §8), null until the first sample. */
  inventory?: () => UplinkInventory | null;
  /** Prometheus exposition (DESIGN §8 `/metrics`), served as it is. */
  metrics?: () => Promise<{ contentType: string; body: string }>;
  host: WebHost;
  /** True while parts restart to apply settings: the page shows the last status until `changed()`. */
  applying?: () => boolean;
}
