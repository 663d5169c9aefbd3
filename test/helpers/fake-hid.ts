// The one fake of the test suite, at the node-hid boundary (there is no virtual HID here): a
// backend whose device list the test controls and whose handles replay recorded reports.
import { EventEmitter } from 'node:events';
import type { HidBackend, HidDeviceInfo, HidHandle } from '../../src/devices/backends/types.ts';
import { readFixture } from '../../src/devices/profiles/index.ts';

export class FakeHidHandle extends EventEmitter implements HidHandle {
  closed = false;
  featureReports: number[][] = [];
  async sendFeatureReport(data: number[]) {
    this.featureReports.push(data);
    return data.length;
  }
  async close() {
    this.closed = true;
  }
  report(bytes: Uint8Array | number[]) {
    this.emit('data', Buffer.from(bytes));
  }
}

export class FakeHid implements HidBackend {
  devices: HidDeviceInfo[] = [];
  handles = new Map<string, FakeHidHandle>();
  failOpen = new Set<string>();
  async list() {
    return this.devices.map((d) => ({ ...d }));
  }
  async open(path: string) {
    if (this.failOpen.has(path)) throw new Error('open failed: device busy');
    const h = new FakeHidHandle();
    this.handles.set(path, h);
    return h;
  }
  /** Unplug: gone from the list, and the open handle errors as node-hid's does. */
  unplug(path: string) {
    this.devices = this.devices.filter((d) => d.path !== path);
    this.handles.get(path)?.emit('error', new Error('could not read from HID device'));
  }
  /** Replays a recorded fixture's reports (waits ignored) into an open handle. */
  replay(path: string, profilesDir: string, fixtureFile: string) {
    const read = readFixture(profilesDir, fixtureFile);
    if (!read.ok) throw new Error(read.error);
    const h = this.handles.get(path);
    if (!h) throw new Error(`${path} is not open`);
    for (const step of read.steps) if (step.kind === 'data') h.report(step.bytes);
  }
}
