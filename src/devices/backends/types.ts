// The hardware boundary (DESIGN §6, brief "the only fake is at the node-hid boundary"): the device
// manager and transports see USB HID and serial devices only through these interfaces. The real
// implementations wrap node-hid and serialport; tests replay recorded HID reports through a fake.

import type { SerialLine } from '../framing/serial-options.ts';

export interface HidDeviceInfo {
  /** What `open` takes (hidraw node or libusb bus path). */
  path: string;
  vendorId: number;
  productId: number;
  serialNumber?: string;
  manufacturer?: string;
  product?: string;
  interface?: number;
  usagePage?: number;
  usage?: number;
  /** Physical USB port (e.g. `1-1.2`), stable across replug into the same port. */
  portPath?: string;
}

export interface HidHandle {
  on(event: 'data', listener: (report: Buffer) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  /** Host → device feature report (e.g. Honeywell's keyboard → HID POS redirect). */
  sendFeatureReport(data: number[]): Promise<number>;
  close(): Promise<void>;
}

export interface HidBackend {
  list(): Promise<HidDeviceInfo[]>;
  /** A cheap fingerprint of what is plugged in; `list` is only called again when it changes. */
  changeToken?(): string | undefined;
  open(path: string): Promise<HidHandle>;
}

export interface SerialPortInfo {
  path: string;
  vendorId?: number;
  productId?: number;
  serialNumber?: string;
  manufacturer?: string;
  /** e.g. `1-1.3:1.0` from the pnp id / location, stable per port. */
  portPath?: string;
}

export interface SerialHandle {
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  on(event: 'close', listener: () => void): this;
  close(): Promise<void>;
}

export interface SerialBackend {
  list(): Promise<SerialPortInfo[]>;
  /** As for HID: a cheap fingerprint; `list` spawns udevadm, so it must not run every second. */
  changeToken?(): string | undefined;
  /** `line` is the profile's serial line (speed, data bits, parity, stop bits). */
  open(path: string, line: SerialLine): Promise<SerialHandle>;
}
