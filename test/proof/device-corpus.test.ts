// The device half of the bad-input corpus (test/proof/corpus/device-inputs.ts), replayed through a
// real gateway: the device manager attaches six devices (four HID ones behind the fake node-hid
// backend, a magstripe reader among them, and a serial scanner on a socat pty); each case's input
// goes in, and the scan events the till hears and the problems the gateway logs for that device
// are compared with the case's expectation exactly. A sentinel scan on the same device after each
// case proves nothing more came of it.
import type { ExecutionContext } from 'ava';
import test from 'ava';
import { honeywellReport, newlandReport } from '../devices/framing/hid-reports.ts';
import { ENTER, tap, typeText } from '../devices/keyboard/helpers/reports.ts';
import { FakeHid } from '../helpers/fake-hid.ts';
import { connect, recorder, startTestGateway } from '../helpers/gateway.ts';
import { startPtyPair } from '../helpers/pty.ts';
import { type DeviceCase, type DeviceName, deviceCases, type ScanExpect } from './corpus/device-inputs.ts';
import { record } from './figures.ts';

const hidDevice = (path: string, vendorId: number, productId: number, extra: Record<string, unknown>) => ({
  path,
  vendorId,
  productId,
  interface: 0,
  usagePage: 1,
  usage: 6,
  portPath: path.split(':')[0],
  ...extra,
});

const HID_DEVICES = {
  keyboard: hidDevice('1-1.1:1.0', 0x1a86, 0xe026, { serialNumber: 'KBD1', product: 'USB Barcode Scanner' }),
  msr: hidDevice('1-1.2:1.0', 0x0801, 0x0001, { serialNumber: 'MSR1', product: 'MagTek Mini Swipe' }),
  uid: hidDevice('1-1.3:1.0', 0xffff, 0x0035, { serialNumber: 'UID1', product: 'MIFARE NFC Reader' }),
  honeywell: hidDevice('1-1.4:1.1', 0x0c2e, 0x0b87, {
    serialNumber: 'HW1',
    usagePage: 0x8c,
    usage: 2,
    product: 'Honeywell 1400g',
  }),
  newland: hidDevice('1-1.5:1.0', 0x1eab, 0x1d10, {
    serialNumber: 'NL1',
    usagePage: 0x8c,
    usage: 2,
    product: 'Newland FM430',
  }),
};

async function waitFor(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function rig(t: ExecutionContext) {
  const hid = new FakeHid();
  hid.devices = Object.values(HID_DEVICES);
  const pty = await startPtyPair();
  t.teardown(() => pty.close());
  const gw = await startTestGateway({
    config: {
      till_id: 'T1',
      devices: { poll_interval_ms: 100, serial: [{ path: pty.device, profile: 'generic-serial' }] },
    },
    hid,
  });
  t.teardown(() => gw.stop());
  const till = await connect(gw.url);
  t.teardown(() => till.endAsync());
  const spy = await connect(gw.url);
  t.teardown(() => spy.endAsync());
  const scans = await recorder(till, 'pos/T1/scan');
  const traffic = await recorder(spy, 'pos/T1/#');
  await waitFor('six devices online', () => {
    const list = gw.gateway.devices.list();
    return list.length === 6 && list.every((d) => d.state === 'online');
  });
  const list = gw.gateway.devices.list();
  const idOf = (path: string) => list.find((d) => d.path === path)!.id;
  const ids: Record<DeviceName, string> = {
    keyboard: idOf(HID_DEVICES.keyboard.path),
    msr: idOf(HID_DEVICES.msr.path),
    uid: idOf(HID_DEVICES.uid.path),
    honeywell: idOf(HID_DEVICES.honeywell.path),
    newland: idOf(HID_DEVICES.newland.path),
    serial: idOf(pty.device),
  };
  const profiles = Object.fromEntries(list.map((d) => [d.id, d.profile]));
  return { hid, pty, gw, scans, traffic, ids, profiles };
}

type Rig = Awaited<ReturnType<typeof rig>>;

function feed(r: Rig, device: DeviceName, step: { reports: Uint8Array[] } | { bytes: Buffer }) {
  if ('bytes' in step) {
    r.pty.write(step.bytes);
    return;
  }
  const handle = r.hid.handles.get(HID_DEVICES[device as keyof typeof HID_DEVICES].path)!;
  for (const report of step.reports) handle.report(report);
}

async function unplugAndReplug(r: Rig, device: DeviceName) {
  const id = r.ids[device];
  const state = () => r.gw.gateway.devices.list().find((d) => d.id === id)?.state;
  if (device === 'serial') {
    await r.pty.stop();
    await waitFor(`${device} offline`, () => state() === 'offline');
    await r.pty.restart();
  } else {
    const info = HID_DEVICES[device];
    const before = r.hid.handles.get(info.path);
    r.hid.unplug(info.path);
    await waitFor(`${device} offline`, () => state() === 'offline');
    r.hid.devices = Object.values(HID_DEVICES);
    await waitFor(`${device} reopened`, () => r.hid.handles.get(info.path) !== before);
  }
  await waitFor(`${device} online`, () => state() === 'online');
}

function sentinel(
  device: DeviceName,
  n: number,
): { text: string; step: { reports: Uint8Array[] } | { bytes: Buffer } } {
  const text = `SENTINEL${n}`;
  if (device === 'serial') return { text, step: { bytes: Buffer.from(`${text}\r`) } };
  if (device === 'honeywell') return { text, step: { reports: [honeywellReport({ data: text })] } };
  if (device === 'newland') return { text, step: { reports: [newlandReport(text)] } };
  return { text, step: { reports: [...typeText('us', text), ...tap(ENTER)] } };
}

interface Logged {
  msg: string;
  device_id?: string;
  code?: string;
}

function logged(r: Rig, from: number, id: string) {
  const lines = r.gw.lines.slice(from).map((l) => JSON.parse(l) as Logged);
  return {
    problems: lines.filter((l) => l.msg === 'device input problem' && l.device_id === id).map((l) => l.code!),
    duplicates: lines.filter((l) => l.msg === 'duplicate scan dropped' && l.device_id === id).length,
  };
}

function seen(event: any, expected: ScanExpect): Record<string, unknown> {
  return Object.fromEntries(Object.keys(expected).map((k) => [k, event[k]]));
}

function outcomeOf(c: DeviceCase): string {
  const { scans, problems = [], duplicates = 0 } = c.expect;
  if (scans.some((s) => s.kind === 'payment_card_rejected')) return 'payment_card_rejected';
  if (duplicates > 0) return 'repeats dropped (duplicate window)';
  if (scans.length === 0)
    return problems.length > 0
      ? `dropped, logged (${[...new Set(problems)].join(', ')})`
      : 'no scan (line noise)';
  const kinds = [...new Set(scans.map((s) => s.kind))].join('+');
  const warned = scans.some((s) => (s.warnings ?? []).length > 0) || problems.length > 0;
  return `scan: ${kinds}${warned ? ', flagged' : ''}`;
}

test(`device corpus: ${deviceCases.length} nasty inputs through the real device manager, exact outcomes`, async (t) => {
  t.timeout(300_000);
  const r = await rig(t);
  const failures: string[] = [];
  const outcomes: Record<string, number> = {};

  for (const [n, c] of deviceCases.entries()) {
    const id = r.ids[c.device];
    const firstScan = r.scans.messages.length;
    const firstLine = r.gw.lines.length;
    const mine = () => r.scans.messages.slice(firstScan).filter((m) => m.payload.device_id === id);
    try {
      for (const step of c.steps) {
        if ('unplug' in step) await unplugAndReplug(r, c.device);
        else feed(r, c.device, step);
      }
      const want = c.expect;
      await waitFor(`${c.name}: expected outcome`, () => {
        const log = logged(r, firstLine, id);
        return (
          mine().length >= want.scans.length &&
          log.problems.length >= (want.problems ?? []).length &&
          log.duplicates >= (want.duplicates ?? 0)
        );
      });
      const mark = sentinel(c.device, n);
      feed(r, c.device, mark.step);
      await waitFor(`${c.name}: sentinel`, () => mine().some((m) => m.payload.text === mark.text));
    } catch (err) {
      failures.push(`${c.name}: ${(err as Error).message}`);
      continue;
    }
    const events = mine().map((m) => m.payload);
    const last = events.pop();
    const log = logged(r, firstLine, id);
    const problems: string[] = [];
    if (last.text !== `SENTINEL${n}`) problems.push('an event after the sentinel');
    if (events.length !== c.expect.scans.length) problems.push(`${events.length} scans`);
    c.expect.scans.forEach((expected, i) => {
      const got = events[i] && seen(events[i], expected);
      if (JSON.stringify(got) !== JSON.stringify(expected))
        problems.push(`scan ${i}: ${JSON.stringify(got)?.slice(0, 300)}`);
    });
    if (JSON.stringify(log.problems) !== JSON.stringify(c.expect.problems ?? []))
      problems.push(`problems ${JSON.stringify(log.problems)}`);
    if (log.duplicates !== (c.expect.duplicates ?? 0)) problems.push(`${log.duplicates} duplicates`);
    if (problems.length > 0) failures.push(`${c.name}: ${problems.join('; ')}`);
    else outcomes[outcomeOf(c)] = (outcomes[outcomeOf(c)] ?? 0) + 1;
  }

  // Card data never reaches a log line or the till, in any form the cases name.
  const logs = r.gw.lines.join('\n');
  const published = r.traffic.messages.map((m) => JSON.stringify(m.payload)).join('\n');
  for (const c of deviceCases) {
    for (const secret of c.secret ?? []) {
      if (logs.includes(secret)) failures.push(`${c.name}: '${secret}' in a log line`);
      if (published.includes(secret)) failures.push(`${c.name}: '${secret}' published`);
    }
  }
  // Every scan the till heard came from a device of this rig, one per event, none twice.
  const eventIds = r.scans.messages.map((m) => m.payload.id);
  if (new Set(eventIds).size !== eventIds.length) failures.push('a scan event published twice');

  record({
    kind: 'corpus',
    group: 'device inputs',
    cases: deviceCases.length,
    outcomes,
    failures: failures.length,
  });
  t.deepEqual(failures, []);
});
