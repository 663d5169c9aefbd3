// The serial scanners of the fault soak: socat ptys at fixed paths (the gateway finds them through
// EDGE_SERIAL_DEVICES, as it finds a ttyACM by its profile), each fed a steady stream of unique
// scans, each unplugged and replugged (socat ended, both ttys gone, then recreated at the same paths).
//
// Every scan is put in one class when it is sent, by what the till knew at that instant:
// - `promised`: the box was up and had announced the device online (its `availability` topic) since
//   the last replug or restart. DESIGN §3 "every scan once": each must be published exactly once.
// - `cut`: a promised scan not yet published when the box was killed: it died with the process.
// - `dead`: sent while the box was dead. No process read it; the pty keeps the bytes and the next
//   life reads them at open, so such scans may come late. Never twice.
// - `attaching`: after a replug or restart, before the device was announced online. Never twice.
// Attempts while a device is unplugged reach no tty at all and are counted as such.
import { basename } from 'node:path';
import { safeId } from '../../../src/devices/manager.ts';
import type { Random } from '../../../src/loyalty/simulator/prng.ts';
import { waitUntil } from '../../helpers/gateway.ts';
import { type PtyPair, startPtyPair } from '../../helpers/pty.ts';

export type ScanClass = 'promised' | 'cut' | 'dead' | 'attaching';

export interface Scan {
  text: string;
  device: string;
  cls: ScanClass;
  sentAt: number;
  published: number[];
}

export interface Device {
  readonly id: string;
  readonly pty: PtyPair;
  /** `replugging`: socat is starting again; its ttys may already be there, the scanner is not. */
  plug: 'in' | 'unplugging' | 'out' | 'replugging';
  /** The till heard `online` for it since the last replug or restart of the box. */
  announced: boolean;
  /** The cycler holds the scanner still while it waits for the scans in flight. */
  holding: boolean;
  /** When it was last replugged, while no scan from it is published yet and the box stays up. */
  replugAt?: number;
  /** How long after that replug the till heard it `online`. */
  announcedAfterMs?: number;
  attemptsUnplugged: number;
}

export interface Scanners {
  readonly devices: Device[];
  readonly scans: Map<string, Scan>;
  /** The till heard a device's availability, on its connection number `connection`. */
  availability(deviceId: string, state: string, connection: number): void;
  /** The till heard a scan at `at`. */
  published(text: string, at: number): void;
  boxUp(): void;
  /** The box was killed while the till was on its connection number `connection`. */
  boxDown(connection: number): void;
  /** Unplugs one device, holds it out for `holdMs`, plugs it back. */
  replug(device: Device, holdMs: number): Promise<void>;
  readonly recoveries: number[];
  /** Replug → the till hears the scanner `online` (the discovery part of a recovery), in ms. */
  readonly announcements: number[];
  /** Replugs whose recovery was not measured because the box was killed meanwhile. */
  readonly unmeasured: number;
  /** Feeds scans until `stopFeeding()`. */
  feed(random: Random): void;
  /** The scanners fall silent; resolves once every promised scan has arrived (or the deadline). */
  stopFeeding(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startScanners(dir: string, count: number): Promise<Scanners> {
  const devices: Device[] = [];
  for (let i = 1; i <= count; i++) {
    const pty = await startPtyPair(dir, `scanner${i}`);
    devices.push({
      // The id the gateway gives a serial device named in EDGE_SERIAL_DEVICES.
      id: safeId(`serial-${basename(pty.device)}`),
      pty,
      plug: 'in',
      announced: false,
      holding: false,
      attemptsUnplugged: 0,
    });
  }
  const scans = new Map<string, Scan>();
  const byId = new Map(devices.map((d) => [d.id, d]));
  const recoveries: number[] = [];
  const announcements: number[] = [];
  let unmeasured = 0;
  let up = false;
  let staleConnection = 0;
  let feeding = false;
  let feeders: Promise<void>[] = [];
  let n = 0;

  // Promised scans not published yet, per device: looked at every few ms, so kept, not searched.
  const unpublished = new Map(devices.map((d) => [d.id, new Set<Scan>()]));
  const inFlight = (d: Device) => unpublished.get(d.id)!.size;

  function send(d: Device) {
    if (d.plug !== 'in') {
      d.attemptsUnplugged++;
      return;
    }
    const text = `SOAK-${d.id.slice(-9)}-${++n}`;
    const cls: ScanClass = !up ? 'dead' : d.announced ? 'promised' : 'attaching';
    const scan: Scan = { text, device: d.id, cls, sentAt: Date.now(), published: [] };
    scans.set(text, scan);
    if (cls === 'promised') unpublished.get(d.id)!.add(scan);
    d.pty.write(`${text}\r`);
  }

  async function feedOne(d: Device, random: Random) {
    while (feeding) {
      if (!d.holding) send(d);
      // Right after a replug a scan every 10 ms, so the recovery time is measured to that grain.
      const pause = d.replugAt !== undefined ? 10 : 20 + Math.floor(random() * 40);
      await new Promise((r) => setTimeout(r, pause));
    }
  }

  return {
    devices,
    scans,
    availability(deviceId, state, connection) {
      const d = byId.get(deviceId);
      // What the killed box sent before it died may still arrive: only a later connection counts
      // (it may come before the test has read the new box's ready line).
      if (!d || connection <= staleConnection) return;
      // An `online` from before the cable came out would be stale: it counts once the new ttys exist.
      d.announced = state === 'online' && (d.plug === 'in' || d.plug === 'replugging');
      if (d.announced && d.replugAt !== undefined && d.announcedAfterMs === undefined) {
        d.announcedAfterMs = Date.now() - d.replugAt;
        announcements.push(d.announcedAfterMs);
      }
    },
    published(text, at) {
      const s = scans.get(text);
      if (!s) return;
      s.published.push(at);
      unpublished.get(s.device)!.delete(s);
      const d = byId.get(s.device)!;
      if (d.replugAt !== undefined && s.sentAt >= d.replugAt) {
        recoveries.push(at - d.replugAt);
        d.replugAt = undefined;
      }
    },
    boxUp() {
      up = true;
    },
    boxDown(connection) {
      up = false;
      staleConnection = connection;
      for (const d of devices) {
        d.announced = false;
        // The recovery of a replug the kill came into would time the restart, not the replug.
        if (d.replugAt !== undefined) unmeasured++;
        d.replugAt = undefined;
      }
      for (const pending of unpublished.values()) {
        for (const s of pending) s.cls = 'cut';
        pending.clear();
      }
    },
    async replug(d, holdMs) {
      // A scanner is replugged once the box has it back from the last time (after a restart too):
      // a replug whose scans never come shows up here.
      await waitUntil(
        () => d.announced && d.replugAt === undefined,
        `${d.id} is announced online and publishes again`,
        20_000,
      );
      // The cashier stops scanning, the scans in flight arrive, then the cable comes out.
      d.holding = true;
      await waitUntil(() => inFlight(d) === 0, `the scans in flight on ${d.id} are published`, 10_000);
      d.plug = 'unplugging';
      d.announced = false;
      d.holding = false;
      await d.pty.stop();
      d.plug = 'out';
      await new Promise((r) => setTimeout(r, holdMs));
      d.plug = 'replugging';
      await d.pty.restart();
      d.announcedAfterMs = undefined;
      if (up) d.replugAt = Date.now();
      else unmeasured++;
      d.plug = 'in';
    },
    get recoveries() {
      return recoveries;
    },
    get announcements() {
      return announcements;
    },
    get unmeasured() {
      return unmeasured;
    },
    feed(random) {
      feeding = true;
      feeders = devices.map((d) => feedOne(d, random));
    },
    async stopFeeding(timeoutMs) {
      feeding = false;
      await Promise.all(feeders);
      const waiting = () => devices.some((d) => inFlight(d) > 0);
      // A scan that never comes is counted by the caller, not thrown here.
      await waitUntil(() => !waiting(), 'every promised scan is published', timeoutMs).catch(() => {});
    },
    async stop() {
      feeding = false;
      await Promise.all(feeders);
      for (const d of devices) await d.pty.stop();
    },
  };
}
