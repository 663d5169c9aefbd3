// Serial/CDC transport: raw bytes from serialport into the serial framer
// (docs/scanners-and-readers.md §0 rule 7).
import type { SerialHandle } from '../backends/types.ts';
import { createSerialFramer } from '../framing/index.ts';
import type { OpenTransport, TransportContext } from './types.ts';

export async function openSerialTransport(ctx: TransportContext): Promise<OpenTransport> {
  const { serial: settings } = ctx.profile;
  const handle: SerialHandle = await ctx.serial.open(ctx.path, settings);
  // Created at open: its ModemManager probe window counts from here
  // (docs/scanners-and-readers.md §8 item 25).
  const framer = createSerialFramer(settings, ctx.sink);
  let closed = false;
  const lost = (reason: string) => {
    if (closed) return;
    closed = true;
    framer.reset(); // never publish a partial scan from a device that went away
    framer.close();
    ctx.onLost(reason);
  };
  handle.on('data', (chunk) => framer.push(chunk));
  handle.on('error', (err) => lost(`io_error: ${err.message}`));
  handle.on('close', () => lost('closed'));
  return {
    async close() {
      closed = true;
      framer.close();
      await handle.close();
    },
  };
}
