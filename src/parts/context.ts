// What every part is handed: the one context object (STYLE "parts take one context object"). It
// holds the frozen settings, the logger, the event bus and the hardware boundary from the start,
// and the services parts provide as they start (the broker, the scan pipeline, devices, loyalty,
// ...). Reading a service before its part has started is a wiring bug and throws at once, naming
// the service, instead of handing out `undefined`.
//
// The context outlives a partial restart (applying settings, src/parts/apply.ts): `config` and
// `settings` then become the new ones, and the services of a restarted part are withdrawn while it
// stops and provided again when it starts. `base` and `demo` never change in one context: a change
// to them is a whole restart.
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
  /** Every part of the gateway has started (its start, not an apply). */
  started: undefined;
  /** Settings were applied by restarting these parts (the others kept running). */
  applied: { restarted: string[] };
}

/** Services, each provided by one part (named in PROVIDED_BY) and read by the parts after it. */
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

export const PROVIDED_BY: { readonly [K in keyof Services]: string } = {
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
  /**
   * True while parts restart to apply settings: what is shown of them (health, the status page)
   * is the last state before, and is refreshed on the bus's `applied` event.
   */
  applying: boolean;
  /**
   * The service as soon as it is there: at once when it is, when its part is back while it restarts
   * to apply settings (at most `limitMs`). Rejects with ServiceUnavailable past that, or when its
   * part is not running at all.
   */
  whenProvided<K extends keyof Services>(name: K, limitMs: number): Promise<Services[K]>;
  provide<K extends keyof Services>(name: K, service: Services[K]): void;
  /**
   * The services of this part are gone (it stopped); reading one throws until it provides again.
   * `again`: it is restarting, so a publish meanwhile waits for the next broker instead of failing.
   */
  withdraw(part: string, again: boolean): void;
  /** From now on `config` and `settings` are these (the parts that read a change restart). */
  reconfigure(next: LoadedConfig): void;
}

/** A service its part does not provide now (or not within the wait); a caller may try again. */
export class ServiceUnavailable extends Error {
  constructor(
    readonly service: keyof Services,
    readonly restarting: boolean,
  ) {
    super(
      restarting
        ? `${service} is still restarting to apply settings`
        : `${service} is not running (the ${PROVIDED_BY[service]} part is stopped)`,
    );
    this.name = 'ServiceUnavailable';
  }
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
  const restarting = new Set<keyof Services>();
  const waiting = new Map<keyof Services, Set<() => void>>();
  const provided$ = <K extends keyof Services>(name: K, limitMs?: number) =>
    new Promise<Services[K]>((resolve, reject) => {
      const waiters = waiting.get(name) ?? new Set();
      waiting.set(name, waiters);
      const timer =
        limitMs === undefined
          ? undefined
          : setTimeout(() => {
              waiters.delete(arrived);
              reject(new ServiceUnavailable(name, true));
            }, limitMs);
      const arrived = () => {
        clearTimeout(timer);
        resolve(provided[name] as Services[K]);
      };
      waiters.add(arrived);
    });
  let config = opts.config;
  const ctx = {
    get config() {
      return config;
    },
    get settings() {
      return config.settings;
    },
    demo,
    base,
    logger: opts.logger,
    signal: opts.signal,
    bus: createEventBus<GatewayEvents>(opts.logger.child({ part: 'bus' })),
    hardware: opts.hardware,
    webHost: opts.webHost ?? { sessions: createSessionStore(), startedAt: Date.now() },
    // While the broker restarts (new till logins), a publish waits for the next one: a retained
    // state or an outbox outcome reaches the tills when they are back, instead of being lost.
    publish: createPublisher(() => (restarting.has('broker') ? provided$('broker') : ctx.broker), base),
    applying: false,
    health: () =>
      healthDocument({
        loyalty: () => ctx.loyalty.health(),
        devices: () => ctx.devices.list(),
        system: () => ctx.system.current(),
      }),
    whenProvided(name, limitMs) {
      const service = provided[name];
      if (service !== undefined) return Promise.resolve(service);
      if (!restarting.has(name)) return Promise.reject(new ServiceUnavailable(name, false));
      return provided$(name, limitMs);
    },
    provide(name, service) {
      if (provided[name] !== undefined) throw new Error(`${name} is provided twice`);
      provided[name] = service;
      restarting.delete(name);
      for (const resolve of waiting.get(name) ?? []) resolve();
      waiting.delete(name);
    },
    withdraw(part, again) {
      for (const [name, by] of Object.entries(PROVIDED_BY) as [keyof Services, string][]) {
        if (by === part && provided[name] !== undefined) {
          delete provided[name];
          if (again) restarting.add(name);
        }
      }
    },
    reconfigure(next) {
      config = next;
    },
  } as GatewayContext;
  for (const name of Object.keys(PROVIDED_BY) as (keyof Services)[]) {
    Object.defineProperty(ctx, name, {
      enumerable: true,
      get() {
        const service = provided[name];
        if (service === undefined) {
          const when = restarting.has(name) ? 'while' : 'before';
          throw new Error(
            `${name} is used ${when} the ${PROVIDED_BY[name]} part ${when === 'while' ? 'restarts' : 'has started'}`,
          );
        }
        return service;
      },
    });
  }
  return ctx;
}
