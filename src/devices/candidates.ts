// Discovery (DESIGN §6): which of the devices on the HID and serial buses, plus the configured
// serial paths, this gateway attaches, each with its profile and transport. A listing is reused
// while the bus's change token stays the same, because listing HID devices is slow on a Pi.
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import type { Logger } from '../log.ts';
import type { HidBackend, HidDeviceInfo, SerialBackend, SerialPortInfo } from './backends/types.ts';
import { chooseInterface, type DeviceInfo, matchProfile, type Profile } from './profiles/index.ts';
import type { TransportKind } from './types.ts';

/** A device seen in one discovery pass, with the profile and transport it will be attached with. */
export interface Candidate {
  id: string;
  path: string;
  profile: Profile;
  transport: TransportKind;
  vendorId?: number;
  productId?: number;
  product?: string;
}

export interface CandidateSources {
  hid?: HidBackend;
  serial: SerialBackend;
  profiles: readonly Profile[];
  /** Serial devices auto-detection cannot see (config `devices.serial`, EDGE_SERIAL_DEVICES). */
  staticSerial: readonly { path: string; profile: string }[];
  logger: Logger;
}

/** Full re-listing even when the change token is unchanged. */
const RELIST_MS = 30_000;

export const hex4 = (n: number | undefined) =>
  n === undefined ? undefined : n.toString(16).padStart(4, '0');

/** Topic-safe: device ids appear in `device/<id>/availability`. */
export function safeId(raw: string): string {
  return raw.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '') || 'device';
}

/** Lists the candidates of one discovery pass; a failing bus is logged once and yields none. */
export function createCandidateLister(opts: CandidateSources): () => Promise<Candidate[]> {
  const log = opts.logger;
  const profilesById = new Map(opts.profiles.map((p) => [p.id, p]));
  const reported = new Set<string>(); // discovery errors logged once, not every second

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

  return async function listCandidates(): Promise<Candidate[]> {
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
