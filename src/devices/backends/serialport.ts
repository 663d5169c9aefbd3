// serialport as the serial backend (docs/stack-notes.md: SerialPort.list() throws where udevadm is
// missing — treated as "no ports", static devices from config still work).
import { SerialPort } from 'serialport';
import type { SerialLine } from '../framing/serial-options.ts';
import { directoryToken } from './sysfs-token.ts';
import { needsLineSettings, openTtyDirect } from './tty-direct.ts';
import type { SerialBackend, SerialHandle, SerialPortInfo } from './types.ts';

export function createSerialPortBackend(): SerialBackend {
  return {
    async list() {
      let ports: Awaited<ReturnType<typeof SerialPort.list>>;
      try {
        ports = await SerialPort.list();
      } catch {
        return [];
      }
      return ports
        .filter((p) => p.vendorId !== undefined) // USB CDC/adapters; built-in UARTs are not scanners
        .map(
          (p): SerialPortInfo => ({
            path: p.path,
            vendorId: p.vendorId ? Number.parseInt(p.vendorId, 16) : undefined,
            productId: p.productId ? Number.parseInt(p.productId, 16) : undefined,
            serialNumber: p.serialNumber || undefined,
            manufacturer: p.manufacturer || undefined,
            portPath: p.locationId || undefined,
          }),
        );
    },
    changeToken: () => directoryToken('/sys/class/tty', /^tty(ACM|USB)\d+$/),
    open(path, line) {
      return needsLineSettings(path) ? openWithLineSettings(path, line) : openTtyDirect(path);
    },
  };
}

/**
 * Through serialport, which sets the line (speed, data bits, parity, stop bits): RS-232 adapters.
 * Its open already discards what the port queued before (bindings-cpp flushes, tcflush TCIOFLUSH,
 * as it sets the speed), as the direct reader does (src/devices/backends/discard-input.ts).
 */
export function openWithLineSettings(path: string, line: SerialLine): Promise<SerialHandle> {
  return new Promise((resolve, reject) => {
    const { baudRate, dataBits, parity, stopBits } = line;
    const port = new SerialPort({ path, baudRate, dataBits, parity, stopBits, autoOpen: false, lock: true });
    port.open((err) => {
      if (err) return reject(err);
      const handle = {
        on(event: string, listener: (...args: never[]) => void) {
          port.on(event as 'data', listener as (d: Buffer) => void);
          return handle;
        },
        close: () =>
          new Promise<void>((res) => {
            if (!port.isOpen) return res();
            port.close(() => res());
          }),
      } as SerialHandle;
      resolve(handle);
    });
  });
}
