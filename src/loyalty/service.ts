// The loyalty part of the gateway (DESIGN §2–§5): provider (the configured one, or the built-in
// simulator in demo mode), the durable outbox and its dispatcher, the till's loyalty ops, identify
// after a loyalty scan, and the later-outcome events. Data flows one way: request → handler →
// outbox → provider → event.
import type { Settings } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import type { Publish } from '../mqtt/publish.ts';
import type { RequestRouter } from '../mqtt/requests.ts';
import { createDispatcher, type Dispatcher } from '../outbox/dispatcher.ts';
import { type OutboxStore, openOutboxStore } from '../outbox/store.ts';
import type { OutboxJob } from '../outbox/types.ts';
import { evaluateWatermarks } from '../outbox/watermarks.ts';
import type { ScanPipeline } from '../scans/pipeline.ts';
import { deliverThrough } from './deliver.ts';
import { publishDelivered, publishFailed } from './events.ts';
import { activateHandler } from './handlers/activate.ts';
import { identifyHandler, identifyOnScan } from './handlers/identify.ts';
import { createQueue } from './handlers/queue.ts';
import { redeemHandler } from './handlers/redeem.ts';
import { reverseHandler, voidHandler } from './handlers/storno.ts';
import { turnoverHandler } from './handlers/turnover.ts';
import { createHttpProvider } from './http-adapter.ts';
import { type LinkState, trackLink } from './link.ts';
import { observeProvider, type ProviderCallListener } from './observe.ts';
import { outboxFile } from './outbox-file.ts';
import type { LoyaltyProvider } from './provider.ts';
import { createSimulator, SEED, type Simulator } from './simulator/index.ts';

export interface LoyaltyServiceOptions {
  settings: Settings & { data_dir: string };
  router: RequestRouter;
  scans: ScanPipeline;
  publish: Publish;
  logger: Logger;
  /** Called when something ops or the status page shows has changed (link, outbox). */
  onHealthChange?: () => void;
  /** Told of every provider call with its duration and outcome (metrics). */
  onProviderCall?: ProviderCallListener;
}

export interface LoyaltyHealth {
  provider: string;
  simulated: boolean;
  link: LinkState;
  outbox: { depth: number; oldest_age_s: number; dead: number; circuit: string; alarms: string[] };
}

export interface LoyaltyService {
  readonly store: OutboxStore;
  readonly dispatcher: Dispatcher;
  /** The provider as the outbox and handlers use it (link-tracked); the page's connectivity test. */
  readonly provider: LoyaltyProvider;
  /** The simulator serving demo mode, if any (its URL is shown to the technician). */
  readonly simulator?: Simulator;
  health(): LoyaltyHealth;
  stop(): Promise<void>;
}

export async function startLoyalty(opts: LoyaltyServiceOptions): Promise<LoyaltyService> {
  const { settings, logger: log } = opts;
  const { tracked, simulator } = await connectProvider(settings, log, opts.onProviderCall);
  const provider = tracked.provider;

  const store = openOutboxStore({
    path: outboxFile(settings),
    maxDepth: settings.outbox.max_depth,
    retentionMs: settings.outbox.retention_days * 24 * 3600 * 1000,
    logger: log.child({ part: 'outbox' }),
  });

  const published = (job: OutboxJob, sent: Promise<void>) =>
    sent.catch((err) => log.error('event publish failed', { transaction: job.key, error: err }));

  // Set once the queue exists: the queue needs the dispatcher, the dispatcher's callbacks the queue.
  let answering: ReadonlySet<string> = new Set();
  const dispatcher = createDispatcher({
    store,
    deliver: deliverThrough(provider),
    logger: log.child({ part: 'dispatcher' }),
    concurrency: settings.outbox.concurrency,
    backoff: { baseMs: settings.outbox.retry_base_ms, maxMs: settings.outbox.retry_max_ms, jitter: 1 },
    circuit: { failureThreshold: settings.outbox.circuit_failures, openMs: settings.outbox.circuit_open_ms },
    deliveryTimeoutMs: settings.provider.timeout_ms * 2,
    idlePollMs: settings.outbox.idle_poll_ms,
    onDelivered(job, result) {
      opts.onHealthChange?.();
      // A till still waiting in its window gets the result in its response, not as an event.
      if (!answering.has(job.key)) void published(job, publishDelivered(opts.publish, job, result));
    },
    onDead(job, error) {
      opts.onHealthChange?.();
      log.warn('request moved to dead letters', { transaction: job.key, kind: job.kind, code: error.code });
      if (!answering.has(job.key)) void published(job, publishFailed(opts.publish, job, error));
    },
  });
  const queue = createQueue({
    store,
    dispatcher,
    windowMs: settings.provider.booking_window_ms,
    kept: (request) => provider.keptAfterDelivery(request),
  });
  answering = queue.answering;
  dispatcher.start();
  tracked.onChange(() => opts.onHealthChange?.());

  const r = opts.router;
  // Removed at stop: the router outlives this service when settings are applied, and a request
  // must never reach a closed outbox (it waits for the next service, or hears `unavailable`).
  const unhandle = [
    r.handle('loyalty/identify', identifyHandler(provider, settings.loyalty.card_iin_prefixes)),
    r.handle('loyalty/redeem', redeemHandler(provider, queue, settings.outbox.redeem_policy)),
    r.handle('loyalty/turnover', turnoverHandler(provider, queue, settings.loyalty.card_iin_prefixes)),
    r.handle('loyalty/reverse', reverseHandler(provider, queue, store)),
    r.handle('loyalty/void_redemption', voidHandler(provider, queue, store)),
    r.handle('loyalty/activate', activateHandler(provider)),
  ];

  const unsubscribe = settings.loyalty.identify_on_scan
    ? identifyOnScan(opts.scans, provider, opts.publish, log)
    : () => {};

  return {
    store,
    dispatcher,
    provider,
    simulator,
    health: () => loyaltyHealth(settings, dispatcher, tracked.link(), simulator !== undefined),
    async stop() {
      for (const off of unhandle) off();
      unsubscribe();
      // Bounded: SIGTERM must finish within 2 s; a delivery still running is simply resent after
      // restart (its job is reset to pending) and the provider's idempotency key makes that safe.
      await dispatcher.stop(800);
      store.close();
      provider.close();
      await simulator?.close();
    },
  };
}

/** The configured provider, or in demo mode the real simulator on loopback through the real adapter. */
async function connectProvider(
  settings: LoyaltyServiceOptions['settings'],
  log: Logger,
  onCall?: ProviderCallListener,
) {
  let simulator: Simulator | undefined;
  // The schema makes sure a configured provider URL comes with its API key, unless the secrets
  // file was found empty (config/load.ts): then the provider is unprovisioned (no key, null).
  let baseUrl = settings.provider.url;
  let apiKey: string | null = settings.provider.api_key ?? null;
  if (baseUrl === null) {
    simulator = await createSimulator({
      host: '127.0.0.1',
      port: 0,
      logger: log.child({ part: 'simulator' }),
    });
    baseUrl = simulator.url;
    apiKey = SEED.apiKey;
    log.info('provider simulator started', { url: simulator.url });
  }
  const http = createHttpProvider(
    {
      baseUrl,
      apiKey,
      branchId: settings.branch_id,
      tillId: settings.till_id,
      timeoutMs: settings.provider.timeout_ms,
      maxSockets: settings.outbox.concurrency + 2,
    },
    log.child({ part: 'provider' }),
  );
  const tracked = trackLink(onCall ? observeProvider(http, onCall) : http);
  return { tracked, simulator };
}

function loyaltyHealth(
  settings: LoyaltyServiceOptions['settings'],
  dispatcher: Dispatcher,
  link: LinkState,
  simulated: boolean,
): LoyaltyHealth {
  const s = dispatcher.state();
  const alarms = evaluateWatermarks(
    { depth: s.depth, oldestAgeS: s.oldestAgeS, dead: s.dead, maxDepth: settings.outbox.max_depth },
    { depthWarn: settings.outbox.warn_depth, ageWarnS: settings.outbox.warn_age_s },
  ).map((a) => a.code);
  return {
    provider: settings.provider.name,
    simulated,
    link,
    outbox: { depth: s.depth, oldest_age_s: s.oldestAgeS, dead: s.dead, circuit: s.circuit, alarms },
  };
}
