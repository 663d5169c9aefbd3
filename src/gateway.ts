// Composition root (DESIGN §11, STYLE "a small lifecycle for each part"): builds the parts from the
// frozen config, starts them in order, stops them in reverse. SIGTERM during start aborts cleanly.
import { mkdirSync } from 'node:fs';
import { createDuplicateFilter, frameFromText } from './classify/index.ts';
import type { LoadedConfig } from './config/load.ts';
import { settingsJsonSchema, wsPortOf } from './config/schema.ts';
import { redactSecrets } from './config/secrets.ts';
import { createNodeHidBackend } from './devices/backends/node-hid.ts';
import { createSerialPortBackend } from './devices/backends/serialport.ts';
import type { HidBackend, SerialBackend } from './devices/backends/types.ts';
import { createDeviceManager, type DeviceManager } from './devices/manager.ts';
import { defaultProfilesDir, loadProfiles, type Profile } from './devices/profiles/index.ts';
import type { Logger } from './log.ts';
import { type LoyaltyService, startLoyalty } from './loyalty/service.ts';
import { type Broker, startBroker } from './mqtt/broker.ts';
import { createRequestRouter } from './mqtt/requests.ts';
import { baseTopic, filterOf, matchTopic, TOPICS, type TopicName, topicOf } from './mqtt/topics.ts';
import { createClassifier } from './scans/classifier.ts';
import { createScanPipeline, type ScanPipeline } from './scans/pipeline.ts';
import { type HealthPublisher, startHealthPublisher } from './uplink/health.ts';
import { startSystemSampler } from './uplink/system.ts';
import { API_VERSION, VERSION } from './version.ts';
import type { WebHost } from './web/context.ts';
import { startWeb, type Web } from './web/index.ts';
import { createSessionStore } from './web/session-store.ts';

export interface GatewayOptions {
  config: LoadedConfig;
  logger: Logger;
  signal?: AbortSignal;
  /** The hardware boundary; real node-hid / serialport unless a test replays recorded reports. */
  hidBackend?: HidBackend;
  serialBackend?: SerialBackend;
  /** What the web part keeps across in-process restarts (sessions, recent logs, apply); see web/. */
  web?: WebHost;
}

export interface Gateway {
  readonly base: string;
  readonly mqttHost: string;
  readonly mqttPort: number;
  readonly mqttWsPort: number | null;
  readonly httpPort: number;
  readonly scans: ScanPipeline;
  readonly devices: DeviceManager;
  readonly loyalty: LoyaltyService;
  readonly web: Web;
  publish(name: TopicName, payload: unknown, params?: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

interface Part {
  name: string;
  stop(): Promise<void> | void;
}

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const { settings, demo } = opts.config;
  const log = opts.logger;
  const base = baseTopic(settings.mqtt.topic_prefix, settings.till_id);
  const parts: Part[] = [];
  const host: WebHost = opts.web ?? { sessions: createSessionStore(), startedAt: Date.now() };
  const stopAll = async () => {
    for (const part of parts.reverse()) {
      try {
        await part.stop();
      } catch (err) {
        log.error('stop failed', { part: part.name, error: err });
      }
    }
    parts.length = 0;
  };
  const checkAbort = async () => {
    if (opts.signal?.aborted) {
      await stopAll();
      throw new Error('start aborted');
    }
  };

  try {
    mkdirSync(settings.data_dir, { recursive: true, mode: 0o700 });

    const broker: Broker = await startBroker({
      host: settings.mqtt.host,
      port: settings.mqtt.port,
      wsPort: wsPortOf(settings),
      prefix: settings.mqtt.topic_prefix,
      tillId: settings.till_id,
      users: settings.mqtt.users,
      demo,
      logger: log.child({ part: 'broker' }),
    });
    parts.push({ name: 'broker', stop: () => broker.close() });
    await checkAbort();

    const publish = (name: TopicName, payload: unknown, params: Record<string, string> = {}) =>
      broker.publish(topicOf(base, name, params), payload, {
        retain: TOPICS[name].retain,
        qos: TOPICS[name].qos,
      });

    const { profiles, errors: profileErrors } = loadProfiles(
      settings.devices.profiles_dir ?? defaultProfilesDir,
    );
    // A broken profile file must not brick the box: it is named loudly and the others still work.
    for (const e of profileErrors) {
      log.error('device profile invalid', { file: e.file, path: e.path, detail: e.message });
    }
    const duplicates = createDuplicateFilter({ windowMs: settings.loyalty.duplicate_window_ms });
    const scans = createScanPipeline({
      classify: createClassifier(settings.loyalty, profiles),
      logger: log.child({ part: 'scans' }),
      // Test scans are typed on purpose; only devices repeat themselves (a code held under the scanner).
      isDuplicate: (deviceId, text) => deviceId !== 'test' && duplicates.isDuplicate(deviceId, text),
      publish: (event) => publish('scan', event),
    });

    const router = createRequestRouter({
      logger: log.child({ part: 'requests' }),
      maxPayloadBytes: settings.mqtt.max_payload_bytes,
      respond: (op, response) => publish('response', response, { op }),
    });
    router.handle('gateway/test_scan', (args) => {
      const scan = scans.ingest(
        { deviceId: args.device_id ?? 'test', profile: 'test', transport: 'test' },
        frameFromText(args.text),
      );
      return { scan_id: scan?.event.id ?? null };
    });
    // Subscribed before the slower parts start: a request that arrives early is answered (an op
    // whose part is not up yet gets `unavailable`), never dropped (DESIGN §3: exactly one response).
    await broker.subscribe(filterOf(base, 'request'), (topic, payload) => {
      const op = matchTopic(base, 'request', topic)?.op;
      // Settles once answered: a QoS 1 request is acknowledged then (src/mqtt/acks.ts).
      return op === undefined ? undefined : router.dispatch(op, payload);
    });

    let health: HealthPublisher | undefined;
    let web: Web | undefined;
    const devices = await startDevices(
      opts,
      profiles,
      scans,
      publish,
      () => {
        health?.changed();
        web?.changed();
      },
      log.child({ part: 'devices' }),
    );
    parts.push({ name: 'devices', stop: () => devices.stop() });
    await checkAbort();

    const system = startSystemSampler({
      dataDir: settings.data_dir,
      intervalMs: 30_000,
      logger: log.child({ part: 'system' }),
    });
    parts.push({ name: 'system', stop: () => system.stop() });
    const loyalty = await startLoyalty({
      settings,
      router,
      scans,
      publish,
      logger: log.child({ part: 'loyalty' }),
      onHealthChange: () => {
        health?.changed();
        web?.changed();
      },
    });
    parts.push({ name: 'loyalty', stop: () => loyalty.stop() });
    await checkAbort();

    web = await startWeb(
      {
        config: opts.config,
        logger: log.child({ part: 'http' }),
        broker,
        devices,
        scans,
        loyalty,
        system,
        host,
      },
      { host: demo ? '127.0.0.1' : settings.http.host, port: settings.http.port },
    );
    parts.push({ name: 'http', stop: () => web.close() });
    await checkAbort();

    health = startHealthPublisher({
      sources: {
        loyalty: () => loyalty.health(),
        devices: () => devices.list(),
        system: () => system.current(),
      },
      publish: (doc) => publish('health', doc),
      intervalMs: settings.uplink.health_interval_s * 1000,
      logger: log.child({ part: 'health' }),
    });
    parts.push({ name: 'health', stop: () => health?.stop() });
    health.changed();

    // aedes keeps retained messages in memory only (stack-notes): republish the catalogue at start.
    await publish('info', {
      version: VERSION,
      api_version: API_VERSION,
      till_id: settings.till_id,
      branch_id: settings.branch_id,
      provider: settings.provider.name,
      demo,
      config: redactSecrets(settings),
      config_schema: settingsJsonSchema(),
    });
    await publish('state', { state: 'online' });
    // Stopped first (parts stop in reverse): requests are refused before the outbox closes.
    parts.push({ name: 'requests', stop: () => router.close() });
    parts.push({ name: 'state', stop: () => publish('state', { state: 'offline' }) });
    await checkAbort();

    if (settings.uplink.url !== null) {
      // Accepted by the schema so a provisioned box keeps its setting, but not built yet (DESIGN §8):
      // say so rather than let ops believe the box reports to them.
      log.warn('ops uplink is not available in this version; uplink.url is ignored', {
        uplink_url: settings.uplink.url.replace(/\/\/[^@/]*@/, '//'),
      });
    }
    log.always('ready', {
      version: VERSION,
      till_id: settings.till_id,
      branch_id: settings.branch_id,
      demo,
      mqtt_port: broker.port,
      mqtt_ws_port: broker.wsPort,
      http_port: web.port,
      data_dir: settings.data_dir,
    });

    return {
      base,
      mqttHost: broker.host,
      mqttPort: broker.port,
      mqttWsPort: broker.wsPort,
      httpPort: web.port,
      scans,
      devices,
      loyalty,
      web,
      publish,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function startDevices(
  opts: GatewayOptions,
  profiles: readonly Profile[],
  scans: ScanPipeline,
  publish: (name: TopicName, payload: unknown, params?: Record<string, string>) => Promise<void>,
  healthChanged: () => void,
  log: Logger,
): Promise<DeviceManager> {
  const { settings } = opts.config;
  const devices = createDeviceManager({
    hid: settings.devices.hid
      ? (opts.hidBackend ?? createNodeHidBackend(settings.devices.hid_driver))
      : undefined,
    serial: opts.serialBackend ?? createSerialPortBackend(),
    profiles,
    staticSerial: settings.devices.serial,
    pollIntervalMs: settings.devices.poll_interval_ms,
    logger: log,
    onFrame: (source, frame) => {
      scans.ingest(source, frame);
    },
    onChange: (list, changed) => {
      const fail = (err: unknown) => log.error('device state publish failed', { error: err });
      healthChanged();
      publish('devices', list).catch(fail);
      publish(
        'deviceAvailability',
        { state: changed.state === 'online' ? 'online' : 'offline' },
        {
          device_id: changed.id,
        },
      ).catch(fail);
    },
  });
  await publish('devices', []);
  await devices.start();
  return devices;
}
