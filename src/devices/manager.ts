// Device manager (DESIGN §6): discovers USB HID and serial devices by polling (node-hid has no
// hotplug events; docs/stack-notes.md), attaches each to the transport its profile chooses, marks
// devices offline when they disappear and re-attaches them when they come back, without a restart.
// A device that fails to open is reported with its reason and retried with backoff; nothing here
// can take the process down. It knows nothing of MQTT: state changes and frames leave through
// callbacks. Which devices a pass sees is candidates.ts; opening and closing one is attachment.ts.
import { dirname } from 'node:path';
import type { Logger } from '../log.ts';
import { attach, detach, type Tracked } from './attachment.ts';
import type { HidBackend, SerialBackend } from './backends/types.ts';
import { type Candidate, createCandidateLister, hex4 } from './candidates.ts';
import { type HotplugWatch, watchDeviceFolders } from './hotplug.ts';
import type { Profile } from './profiles/index.ts';
import type { Frame, TransportKind } from './types.ts';

export { safeId } from './candidates.ts';

export interface DeviceState {
  id: string;
  profile: string;
  transport: TransportKind;
  path: string;
  vendor_id?: string;
  product_id?: string;
  product?: string;
  state: 'online' | 'offline' | 'error';
  reason?: string;
  since: string;
}

export interface FrameSource {
  deviceId: string;
  profile: string;
  transport: TransportKind;
}

export interface DeviceManagerOptions {
  hid?: HidBackend;
  serial: SerialBackend;
  profiles: readonly Profile[];
  /** Serial devices auto-detection cannot see (config `devices.serial`, EDGE_SERIAL_DEVICES). */
  staticSerial: readonly { path: string; profile: string }[];
  pollIntervalMs: number;
  /** Folders where device nodes appear (`/dev`): a change there starts a pass at once. The folder
   * of each static serial path is watched too. */
  watchFolders?: readonly string[];
  logger: Logger;
  onFrame: (source: FrameSource, frame: Frame) => void;
  onChange: (devices: DeviceState[], changed: DeviceState) => void;
  retry?: { baseMs: number; maxMs: number };
}

export interface DeviceManager {
  start(): Promise<void>;
  stop(): Promise<void>;
  list(): DeviceState[];
  /** One discovery pass now (tests, technician "rescan"); a pass already running is joined. */
  discover(): Promise<void>;
}

export function createDeviceManager(opts: DeviceManagerOptions): DeviceManager {
  const log = opts.logger;
  const tracked = new Map<string, Tracked>();
  const retry = opts.retry ?? { baseMs: 1000, maxMs: 30_000 };
  const listCandidates = createCandidateLister(opts);
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let discovering: Promise<void> | undefined;
  // A hotplug event during a pass: the pass may have listed before the change, so one more follows.
  let again = false;
  let hotplug: HotplugWatch | undefined;

  const list = () => [...tracked.values()].map((t) => ({ ...t.state }));

  function setState(t: Tracked, state: DeviceState['state'], reason?: string) {
    if (t.state.state === state && t.state.reason === reason) return;
    t.state = { ...t.state, state, reason, since: new Date().toISOString() };
    if (reason === undefined) delete t.state.reason;
    log.info('device state', { device_id: t.state.id, state, reason, profile: t.state.profile });
    opts.onChange(list(), { ...t.state });
  }

  const attachDeps = {
    hid: opts.hid,
    serial: opts.serial,
    logger: log,
    retry,
    onFrame: opts.onFrame,
    setState,
    wanted: (t: Tracked, id: string) => running && tracked.get(id) === t,
  };

  async function pass(): Promise<void> {
    const found = await listCandidates();
    const seen = new Set(found.map((c) => c.id));
    for (const c of found) {
      let t = tracked.get(c.id);
      if (!t) {
        t = newTracked(c);
        tracked.set(c.id, t);
        log.info('device found', {
          device_id: c.id,
          profile: c.profile.id,
          transport: c.transport,
          path: c.path,
        });
      } else if (!t.transport && !t.opening) {
        // Replugged devices may come back on another path (hidraw number, ttyACM number).
        t.candidate = c;
        t.state = { ...t.state, path: c.path, transport: c.transport };
      }
      if (!t.transport && !t.opening && Date.now() >= t.nextAttemptAt) await attach(t, attachDeps);
    }
    for (const t of tracked.values()) {
      if (
        !seen.has(t.state.id) &&
        (t.transport || t.state.state !== 'offline' || t.state.reason !== 'unplugged')
      ) {
        await detach(t, 'unplugged', attachDeps);
        t.failures = 0;
        t.nextAttemptAt = 0;
      }
    }
  }

  function discover(): Promise<void> {
    discovering ??= pass()
      .catch((err) => log.error('device discovery pass failed', { error: err }))
      .finally(() => {
        discovering = undefined;
        if (again && running) {
          again = false;
          void discover();
        }
      });
    return discovering;
  }

  function onHotplug() {
    if (!running) return;
    // The change tokens need no reset: the kernel adds a device to sysfs before its node to /dev.
    if (discovering) again = true;
    else void discover();
  }

  function schedule() {
    if (!running) return;
    timer = setTimeout(() => {
      void discover().then(schedule);
    }, opts.pollIntervalMs);
    timer.unref();
  }

  return {
    async start() {
      running = true;
      hotplug = watchDeviceFolders(
        [...(opts.watchFolders ?? []), ...opts.staticSerial.map((s) => dirname(s.path))],
        onHotplug,
        (folder, error) => log.debug('hotplug watch unavailable, polling', { folder, error }),
      );
      await discover();
      schedule();
    },
    async stop() {
      running = false;
      hotplug?.close();
      if (timer) clearTimeout(timer);
      await discovering;
      for (const t of tracked.values()) {
        const transport = t.transport;
        t.transport = undefined;
        await transport?.close().catch(() => {});
      }
    },
    list,
    discover,
  };
}

/** A device seen for the first time: offline until its transport opens. */
function newTracked(c: Candidate): Tracked {
  return {
    candidate: c,
    opening: false,
    failures: 0,
    nextAttemptAt: 0,
    state: {
      id: c.id,
      profile: c.profile.id,
      transport: c.transport,
      path: c.path,
      vendor_id: hex4(c.vendorId),
      product_id: hex4(c.productId),
      product: c.product,
      state: 'offline',
      reason: 'discovered',
      since: new Date().toISOString(),
    },
  };
}
