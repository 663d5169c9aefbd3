// serialport as the serial backend (stack-notes: SerialPort.list() throws where udevadm is
// missing — treated as "no ports", static devices from config still work).
import { SerialPort } from 'serialport';
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
    open(path, baudRate) {
      return needsLineSettings(path)
        ? openWithLineSettings(path, baudRate)
        : Promise.resolve(openTtyDirect(path));
    },
  };
}

/** Through serialport, which sets the line speed: RS-232 adapters behind ttyUSB. */
export function openWithLineSettings(path: string, baudRate: number): Promise<SerialHandle> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate, autoOpen: false, lock: true });
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
