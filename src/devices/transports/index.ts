// Opens the transport a device was matched to.
import { openHidTransport } from './hid.ts';
import { openSerialTransport } from './serial.ts';
import type { OpenTransport, TransportContext } from './types.ts';

export type { OpenTransport, TransportContext } from './types.ts';

export function openTransport(ctx: TransportContext): Promise<OpenTransport> {
  return ctx.kind === 'serial' ? openSerialTransport(ctx) : openHidTransport(ctx);
}
