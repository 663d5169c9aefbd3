// What every part is handed: the one context object (STYLE "parts take one context object"). It
// holds the frozen settings, the logger, the event bus and the hardware boundary from the start,
// and the services parts provide as they start (the broker, the scan pipeline, devices, loyalty,
// ...). Reading a service before its part has started is a wiring bug and throws at once, naming
// the service, instead of handing out `undefined`.
import type { LoadedConfig } from '../config/load.ts';
import type { HidBackend, SerialBackend } from '../devices/backends/types.ts';
import type { DeviceManager, DeviceState } from '../devices/manager.ts';
import type { Profile } from '../devices/profiles/index.ts';
import type { Logger } from '../log.ts';
import type { LoyaltyService } from '../loyalty/service.ts';
import type { GatewayMetrics } from '../metrics/metrics.ts';
import type { Broker } from '../mqtt/broker.ts';
import { createPublisher, type Publish } from '../mqtt/publish.ts';
import type { RequestRouter } from '../mqtt/requests.ts';
import { baseTopic, type ResponseEnvelope } from '../mqtt/topics.ts';
import type { ScanPipeline } from '../scans/pipeline.ts';
import { type HealthDocument, healthDocument } from '../uplink/health.ts';
import type { InventorySampler } from '../uplink/inventory.ts';
import type { RunMarker } from '../uplink/run-marker.ts';
import type { SystemSampler } from '../uplink/system.ts';
import type { Uplink } from '../uplink/uplink.ts';
import type { WebHost } from '../web/context.ts';
import type { Web } from '../web/index.ts';
import { createSessionStore } from '../web/session-store.ts';
import { createEventBus, type EventBus } from './bus.ts';

export type GatewaySettings = LoadedConfig['settings'];

/** What parts tell each other through `ctx.bus`; the payload type is the event's contract. */
export interface GatewayEvents {
  /** A device attached, left or failed; `list` is every device now. */
  devices: { list: DeviceState[]; changed: DeviceState };
  /** The cloud link or the outbox changed (what health shows of loyalty). */
  loyalty: undefined;
  /** A health document was just published on `gateway/health`. */
  health: HealthDocument;
  /** A till request was answered (metrics count them by op and result). */
  answered: { op: string; response: ResponseEnvelope };
  /** A loyalty provider call finished; `code` is null on success. */
  provider: { call: string; seconds: number; code: string | null };
}

/** Services, each provided by one part (named in SERVICE_OF) and read by the parts after it. */
export interface Services {
  run: RunMarker;
  broker: Broker;
  router: RequestRouter;
  profiles: readonly Profile[];
  scans: ScanPipeline;
  metrics: GatewayMetrics;
  devices: DeviceManager;
  system: SystemSampler;
  loyalty: LoyaltyService;
  uplink: Uplink;
  inventory: InventorySampler;
  web: Web;
}

const PROVIDED_BY: { [K in keyof Services]: string } = {
  run: 'run-marker',
  broker: 'broker',
  router: 'requests',
  profiles: 'scans',
  scans: 'scans',
  metrics: 'metrics',
  devices: 'devices',
  system: 'system',
  loyalty: 'loyalty',
  uplink: 'uplink',
  inventory: 'inventory',
  web: 'web',
};

/** The hardware boundary: real node-hid / serialport unless a test replays recorded reports. */
export interface Hardware {
  hid?: HidBackend;
  serial?: SerialBackend;
}

export interface GatewayContext extends Readonly<Services> {
  /** The loaded configuration: its frozen `settings`, and the file store (provisioning writes it). */
  readonly config: LoadedConfig;
  readonly settings: GatewaySettings;
  readonly demo: boolean;
  /** `<prefix>/<till_id>`: every topic of this till is below it. */
  readonly base: string;
  /** The root logger; a part logs through `logger.child({ part: name })`. */
  readonly logger: Logger;
  /** Aborted when SIGTERM arrives; a part with a long start should give up when it fires. */
  readonly signal: AbortSignal;
  readonly bus: EventBus<GatewayEvents>;
  readonly hardware: Hardware;
  /** What outlives one gateway object across in-process restarts (sessions, logs, the restart). */
  readonly webHost: WebHost;
  /** Publishes a registry topic through the broker (retain and QoS from the registry). */
  readonly publish: Publish;
  /** The health document as of now (loyalty, devices, system). */
  health(): HealthDocument;
  provide<K extends keyof Services>(name: K, service: Services[K]): void;
}

export interface ContextOptions {
  config: LoadedConfig;
  logger: Logger;
  signal: AbortSignal;
  hardware: Hardware;
  webHost?: WebHost;
}

export function createContext(opts: ContextOptions): GatewayContext {
  const { settings, demo } = opts.config;
  const base = baseTopic(settings.mqtt.topic_prefix, settings.till_id);
  const provided: Partial<Services> = {};
  const ctx = {
    config: opts.config,
    settings,
    demo,
    base,
    logger: opts.logger,
    signal: opts.signal,
    bus: createEventBus<GatewayEvents>(opts.logger.child({ part: 'bus' })),
    hardware: opts.hardware,
    webHost: opts.webHost ?? { sessions: createSessionStore(), startedAt: Date.now() },
    publish: createPublisher(() => ctx.broker, base),
    health: () =>
      healthDocument({
        loyalty: () => ctx.loyalty.health(),
        devices: () => ctx.devices.list(),
        system: () => ctx.system.current(),
      }),
    provide(name, service) {
      if (provided[name] !== undefined) throw new Error(`${name} is provided twice`);
      provided[name] = service;
    },
  } as GatewayContext;
  for (const name of Object.keys(PROVIDED_BY) as (keyof Services)[]) {
    Object.defineProperty(ctx, name, {
      enumerable: true,
      get() {
        const service = provided[name];
        if (service === undefined) {
          throw new Error(`${name} is used before the ${PROVIDED_BY[name]} part has started`);
        }
        return service;
      },
    });
  }
  return ctx;
}
