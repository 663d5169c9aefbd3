// What a transport is to the device manager: something opened for one device that feeds frames to
// a sink until it is closed or reports the device lost (DESIGN §11: "bytes or reports in, frames out").
import type { Logger } from '../../log.ts';
import type { HidBackend, SerialBackend } from '../backends/types.ts';
import type { Profile } from '../profiles/index.ts';
import type { FrameSink, TransportKind } from '../types.ts';

export interface OpenTransport {
  close(): Promise<void>;
}

export interface TransportContext {
  kind: TransportKind;
  path: string;
  profile: Profile;
  sink: FrameSink;
  /** Called once when the device stops delivering (unplugged, I/O error). */
  onLost: (reason: string) => void;
  hid?: HidBackend;
  serial: SerialBackend;
  logger: Logger;
}
