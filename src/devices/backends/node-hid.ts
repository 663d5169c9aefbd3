// node-hid as the HID backend. The libusb driver detaches the kernel's keyboard driver, so a
// keyboard-wedge scan never also types into the box's console
// (docs/scanners-and-readers.md §0 rule 10; docs/stack-notes.md: hidraw reads do not stop the
// keystrokes). It is chosen once per process (node-hid loads one binding), before the first call.
import { readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { directoryToken } from './sysfs-token.ts';
import type { HidBackend, HidDeviceInfo, HidHandle } from './types.ts';

const require = createRequire(import.meta.url);

type NodeHid = typeof import('node-hid');

export function createNodeHidBackend(driver: 'libusb' | 'hidraw' = 'libusb'): HidBackend {
  let hid: NodeHid | undefined;
  // Loaded lazily: without libusb-1.0.so.0 the binding fails to load (docs/stack-notes.md), and
  // that must surface as a device-discovery error, not a crash at start.
  const load = (): NodeHid => {
    if (!hid) {
      hid = require('node-hid') as NodeHid;
      hid.setDriverType(driver);
    }
    return hid;
  };
  return {
    async list() {
      const devices = await load().devicesAsync();
      return devices
        .filter((d) => typeof d.path === 'string')
        .map(
          (d): HidDeviceInfo => ({
            path: d.path!,
            vendorId: d.vendorId,
            productId: d.productId,
            serialNumber: d.serialNumber || undefined,
            manufacturer: d.manufacturer || undefined,
            product: d.product || undefined,
            interface: d.interface,
            usagePage: d.usagePage || undefined,
            usage: d.usage || undefined,
            portPath: portPathOf(d.path!),
          }),
        );
    },
    // Interfaces appear and disappear under /sys/bus/usb/devices (e.g. `1-1.2:1.0`).
    changeToken: () => directoryToken('/sys/bus/usb/devices'),
    async open(path) {
      const dev = await load().HIDAsync.open(path);
      return dev as unknown as HidHandle;
    },
  };
}

/** `1-1.2:1.0` (libusb) or the sysfs USB port behind `/dev/hidrawN`. */
export function portPathOf(path: string): string | undefined {
  const libusb = /^(\d+-[\d.]+)(:\d+\.\d+)?$/.exec(path);
  if (libusb) return libusb[1];
  const hidraw = /^\/dev\/(hidraw\d+)$/.exec(path);
  if (!hidraw) return undefined;
  try {
    const target = readlinkSync(`/sys/class/hidraw/${hidraw[1]}/device`);
    return /\/(\d+-[\d.]+):\d+\.\d+\//.exec(target)?.[1];
  } catch {
    return undefined;
  }
}
