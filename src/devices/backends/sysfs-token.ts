// Cheap change detection for device discovery (DESIGN §10: idle CPU ≤ 1 % of a core). Listing
// devices for real is expensive — serialport's list spawns udevadm, libusb enumerates the bus — so
// the manager polls a directory listing of sysfs instead and lists only when it changed.
import { readdirSync } from 'node:fs';

export function directoryToken(dir: string, filter?: RegExp): string | undefined {
  try {
    const names = readdirSync(dir);
    return (filter ? names.filter((n) => filter.test(n)) : names).sort().join(',');
  } catch {
    return undefined; // no sysfs here: the manager falls back to listing every time
  }
}
