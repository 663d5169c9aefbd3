// Composition root (DESIGN §11, STYLE "a small lifecycle for each part"): the gateway is this list
// of parts, started in order and stopped in reverse (src/parts/part.ts). A part reads what the
// parts before it provide from the one context; adding a part is one file and one line here.
import type { LoadedConfig } from './config/load.ts';
import type { Logger } from './log.ts';
import { type ApplyPlan, applyParts, planApply } from './parts/apply.ts';
import { brokerPart } from './parts/broker.ts';
import { createContext, type GatewayContext, type Hardware } from './parts/context.ts';
import { dataDirPart } from './parts/data-dir.ts';
import { devicesPart } from './parts/devices.ts';
import { healthPart } from './parts/health.ts';
import { infoPart } from './parts/info.ts';
import { inventoryPart } from './parts/inventory.ts';
import { liveView } from './parts/live-view.ts';
import { loyaltyPart } from './parts/loyalty.ts';
import { memoryPart } from './parts/memory.ts';
import { metricsPart } from './parts/metrics.ts';
import { onlinePart } from './parts/online.ts';
import { type Part, startParts } from './parts/part.ts';
import { requestsPart } from './parts/requests.ts';
import { runMarkerPart } from './parts/run-marker.ts';
import { scansPart } from './parts/scans.ts';
import { systemPart } from './parts/system.ts';
import { uplinkPart } from './parts/uplink.ts';
import { webPart } from './parts/web.ts';
import { VERSION } from './version.ts';
import type { WebHost } from './web/context.ts';

export const PARTS: readonly Part[] = [
  dataDirPart,
  runMarkerPart, // stops last: its marker says the whole stop was clean
  requestsPart, // the router; outlives a broker restart, so loyalty keeps its handlers
  brokerPart, // serves the till's requests (through the router) from its first connection
  scansPart,
  metricsPart, // right after scans: its scan listener is the first, so it times the till's copy
  devicesPart,
  systemPart,
  memoryPart,
  loyaltyPart,
  uplinkPart,
  inventoryPart,
  webPart,
  healthPart,
  infoPart, // republishes the catalogue (its config) after every apply
  onlinePart, // last: announces online; stops first, refusing requests before the outbox closes
];

export interface GatewayOptions {
  config: LoadedConfig;
  logger: Logger;
  signal?: AbortSignal;
  /** The hardware boundary; real node-hid / serialport unless a test replays recorded reports. */
  hidBackend?: Hardware['hid'];
  serialBackend?: Hardware['serial'];
  /** What the web part keeps across in-process restarts (sessions, recent logs, apply); see web/. */
  web?: WebHost;
}

/** The running gateway: what tests and the CLI reach into, and how to stop it. */
export interface Gateway
  extends Pick<GatewayContext, 'base' | 'scans' | 'devices' | 'loyalty' | 'web' | 'publish'> {
  readonly mqttHost: string;
  readonly mqttPort: number;
  readonly mqttWsPort: number | null;
  readonly httpPort: number;
  /**
   * Applies settings loaded from the files: restarts the parts they concern and resolves with the
   * plan it carried out. A plan of kind `whole` is not carried out: the caller restarts the whole
   * gateway (it owns the logger). Rejects with PartFailed when a part fails to start again.
   */
  apply(next: LoadedConfig): Promise<ApplyPlan>;
  /** What `apply(next)` would restart, without doing it. */
  plan(next: LoadedConfig): ApplyPlan;
  /** True while `apply` restarts parts (their services cannot be asked meanwhile). */
  readonly applying: boolean;
  stop(): Promise<void>;
}

export async function startGateway(opts: GatewayOptions, parts = PARTS): Promise<Gateway> {
  const { demo } = opts.config;
  const signal = opts.signal ?? new AbortController().signal;
  const hardware = { hid: opts.hidBackend, serial: opts.serialBackend };
  const ctx = createContext({ ...opts, signal, hardware, webHost: opts.web });
  const started = await startParts(parts, ctx);
  ctx.bus.emit('started', undefined);
  // Logged at start and after every apply: scripts and tests wait for it ("serving now").
  const ready = (fields: Record<string, unknown> = {}) => {
    const { till_id, branch_id, data_dir } = ctx.settings;
    const line = { version: VERSION, till_id, branch_id, demo, ...started.ready, data_dir, ...fields };
    opts.logger.always('ready', line);
  };
  ready();
  const plan = (next: LoadedConfig) => planApply(parts, ctx.config, next);
  // Live: a part restarted by `apply` is the new one here too (and so are the broker's ports).
  return liveView(ctx, ['base', 'scans', 'devices', 'loyalty', 'web', 'applying'], {
    publish: ctx.publish,
    get mqttHost() {
      return ctx.broker.host;
    },
    get mqttPort() {
      return ctx.broker.port;
    },
    get mqttWsPort() {
      return ctx.broker.wsPort;
    },
    get httpPort() {
      return ctx.web.port;
    },
    plan,
    async apply(next: LoadedConfig) {
      const p = plan(next);
      if (p.kind !== 'parts') return p;
      await applyParts(p, next, ctx, started);
      ready({ restarted: p.restart });
      return p;
    },
    stop: started.stop,
  });
}
