// Device manager (DESIGN §6): discovers USB HID and serial devices by polling (node-hid has no
// hotplug events; docs/stack-notes.md), attaches each to the transport its profile chooses, marks
// devices offline when they disappear and re-attaches them when they come back, without a restart.
// A device that fails to open is reported with its reason and retried with backoff; nothing here
// can take the process down. It knows nothing of MQTT: state changes and frames leave through
// callbacks.
import { existsSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '../log.ts';
import type { HidBackend, HidDeviceInfo, SerialBackend, SerialPortInfo } from './backends/types.ts';
import { type HotplugWatch, watchDeviceFolders } from './hotplug.ts';
import { chooseInterface, type DeviceInfo, matchProfile, type Profile } from './profiles/index.ts';
import { type OpenTransport, openTransport } from './transports/index.ts';
import type { Frame, TransportKind } from './types.ts';

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

/** A device seen in one discovery pass, with the profile and transport it will be attached with. */
interface Candidate {
  id: string;
  path: string;
  profile: Profile;
  transport: TransportKind;
  vendorId?: number;
  productId?: number;
  product?: string;
}

interface Tracked {
  candidate: Candidate;
  state: DeviceState;
  transport?: OpenTransport;
  opening: boolean;
  failures: number;
  nextAttemptAt: number;
}

/** Full re-listing even when the change token is unchanged. */
const RELIST_MS = 30_000;

const hex4 = (n: number | undefined) => (n === undefined ? undefined : n.toString(16).padStart(4, '0'));

/** Topic-safe: device ids appear in `device/<id>/availability`. */
export function safeId(raw: string): string {
  return raw.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '') || 'device';
}

export function createDeviceManager(opts: DeviceManagerOptions): DeviceManager {
  const log = opts.logger;
  const tracked = new Map<string, Tracked>();
  const retry = opts.retry ?? { baseMs: 1000, maxMs: 30_000 };
  const profilesById = new Map(opts.profiles.map((p) => [p.id, p]));
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let discovering: Promise<void> | undefined;
  // A hotplug event during a pass: the pass may have listed before the change, so one more follows.
  let again = false;
  let hotplug: HotplugWatch | undefined;
  const reported = new Set<string>(); // discovery errors logged once, not every second

  const list = () => [...tracked.values()].map((t) => ({ ...t.state }));

  function setState(t: Tracked, state: DeviceState['state'], reason?: string) {
    if (t.state.state === state && t.state.reason === reason) return;
    t.state = { ...t.state, state, reason, since: new Date().toISOString() };
    if (reason === undefined) delete t.state.reason;
    log.info('device state', { device_id: t.state.id, state, reason, profile: t.state.profile });
    opts.onChange(list(), { ...t.state });
  }

  // Last full listing per bus and the change token it was taken at (see backends/sysfs-token.ts).
  const cache: Record<'hid' | 'serial', { token?: string; at: number; candidates: Candidate[] }> = {
    hid: { at: 0, candidates: [] },
    serial: { at: 0, candidates: [] },
  };

  async function listBus(
    bus: 'hid' | 'serial',
    backend: { changeToken?(): string | undefined },
    list: () => Promise<Candidate[]>,
  ): Promise<Candidate[]> {
    const c = cache[bus];
    const token = backend.changeToken?.();
    // A token that did not change means nothing was plugged or unplugged; list anyway now and then
    // in case a change slipped between two tokens, and every time where there is no token at all.
    if (token !== undefined && token === c.token && Date.now() - c.at < RELIST_MS) return c.candidates;
    try {
      c.candidates = await list();
      c.token = token;
      c.at = Date.now();
      reported.delete(bus);
    } catch (err) {
      if (!reported.has(bus))
        log.error(`${bus === 'hid' ? 'HID' : 'serial'} discovery failed`, { error: err });
      reported.add(bus);
      c.token = undefined;
      c.candidates = [];
    }
    return c.candidates;
  }

  async function listCandidates(): Promise<Candidate[]> {
    const found: Candidate[] = [];
    const hid = opts.hid;
    if (hid)
      found.push(...(await listBus('hid', hid, async () => hidCandidates(await hid.list(), opts.profiles))));
    found.push(
      ...(await listBus('serial', opts.serial, async () =>
        serialCandidates(await opts.serial.list(), opts.profiles),
      )),
    );
    for (const s of opts.staticSerial) {
      const profile = profilesById.get(s.profile);
      if (!profile) {
        if (!reported.has(`profile:${s.profile}`)) {
          log.error('unknown profile for serial device', { path: s.path, profile: s.profile });
        }
        reported.add(`profile:${s.profile}`);
        continue;
      }
      if (!existsSync(s.path)) continue;
      found.push({ id: safeId(`serial-${basename(s.path)}`), path: s.path, profile, transport: 'serial' });
    }
    return found;
  }

  async function attach(t: Tracked): Promise<void> {
    if (t.opening || t.transport) return;
    t.opening = true;
    const { candidate } = t;
    const source: FrameSource = {
      deviceId: candidate.id,
      profile: candidate.profile.id,
      transport: candidate.transport,
    };
    try {
      const transport = await openTransport({
        kind: candidate.transport,
        path: candidate.path,
        profile: candidate.profile,
        hid: opts.hid,
        serial: opts.serial,
        logger: log.child({ device_id: candidate.id }),
        sink: {
          frame: (frame) => opts.onFrame(source, frame),
          problem: (code, detail) =>
            log.warn('device input problem', { device_id: candidate.id, code, ...detail }),
        },
        onLost: (reason) => {
          t.transport = undefined;
          t.nextAttemptAt = Date.now() + retry.baseMs;
          setState(t, 'offline', reason);
        },
      });
      if (!running || tracked.get(candidate.id) !== t) {
        await transport.close(); // stopped or unplugged while opening
        return;
      }
      t.transport = transport;
      t.failures = 0;
      setState(t, 'online');
    } catch (err) {
      t.failures++;
      const backoff = Math.min(retry.maxMs, retry.baseMs * 2 ** Math.min(t.failures - 1, 10));
      t.nextAttemptAt = Date.now() + backoff;
      setState(t, 'error', `open_failed: ${(err as Error).message}`);
    } finally {
      t.opening = false;
    }
  }

  async function detach(t: Tracked, reason: string): Promise<void> {
    const transport = t.transport;
    t.transport = undefined;
    if (transport) {
      try {
        await transport.close();
      } catch (err) {
        log.debug('device close failed', { device_id: t.state.id, error: err });
      }
    }
    setState(t, 'offline', reason);
  }

  async function pass(): Promise<void> {
    const found = await listCandidates();
    const seen = new Set(found.map((c) => c.id));
    for (const c of found) {
      let t = tracked.get(c.id);
      if (!t) {
        t = {
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
      if (!t.transport && !t.opening && Date.now() >= t.nextAttemptAt) await attach(t);
    }
    for (const t of tracked.values()) {
      if (
        !seen.has(t.state.id) &&
        (t.transport || t.state.state !== 'offline' || t.state.reason !== 'unplugged')
      ) {
        await detach(t, 'unplugged');
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

/** Groups HID interfaces by physical device and picks one interface each (no double publish). */
function hidCandidates(devices: HidDeviceInfo[], profiles: readonly Profile[]): Candidate[] {
  const groups = new Map<string, HidDeviceInfo[]>();
  for (const d of devices) {
    const key = `${hex4(d.vendorId)}-${hex4(d.productId)}-${d.serialNumber ?? d.portPath ?? d.path}`;
    groups.set(key, [...(groups.get(key) ?? []), d]);
  }
  const out: Candidate[] = [];
  for (const [key, entries] of groups) {
    const infos: DeviceInfo[] = entries.map((d) => ({ ...d, transport: 'hid' }));
    const chosen = chooseInterface(infos, profiles);
    if (!chosen) continue;
    const d = entries[infos.indexOf(chosen.device)]!;
    out.push({
      id: safeId(key),
      path: d.path,
      profile: chosen.match.profile,
      transport: chosen.match.transport,
      vendorId: d.vendorId,
      productId: d.productId,
      product: d.product,
    });
  }
  return out;
}

function serialCandidates(ports: SerialPortInfo[], profiles: readonly Profile[]): Candidate[] {
  const out: Candidate[] = [];
  for (const p of ports) {
    const match = matchProfile({ ...p, transport: 'serial' }, profiles);
    if (!match) continue;
    const stable = p.serialNumber ?? p.portPath ?? basename(p.path);
    out.push({
      id: safeId(`${hex4(p.vendorId) ?? 'tty'}-${hex4(p.productId) ?? 'x'}-${stable}`),
      path: p.path,
      profile: match.profile,
      transport: 'serial',
      vendorId: p.vendorId,
      productId: p.productId,
    });
  }
  return out;
}
