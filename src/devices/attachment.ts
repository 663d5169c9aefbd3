// Opening and closing one tracked device's transport. A device that fails to open is reported with
// its reason and retried with backoff; one that is lost goes offline and is opened again on a later
// discovery pass. Nothing here throws: a device never takes the process down.
import type { Logger } from '../log.ts';
import type { HidBackend, SerialBackend } from './backends/types.ts';
import type { Candidate } from './candidates.ts';
import type { DeviceState, FrameSource } from './manager.ts';
import { type OpenTransport, openTransport } from './transports/index.ts';
import type { Frame } from './types.ts';

export interface Tracked {
  candidate: Candidate;
  state: DeviceState;
  transport?: OpenTransport;
  opening: boolean;
  failures: number;
  nextAttemptAt: number;
}

export interface AttachDeps {
  hid?: HidBackend;
  serial: SerialBackend;
  logger: Logger;
  retry: { baseMs: number; maxMs: number };
  onFrame: (source: FrameSource, frame: Frame) => void;
  setState(t: Tracked, state: DeviceState['state'], reason?: string): void;
  /** Still running and `t` still the device tracked as `id` (not stopped or unplugged meanwhile). */
  wanted(t: Tracked, id: string): boolean;
}

export async function attach(t: Tracked, deps: AttachDeps): Promise<void> {
  const { logger: log, retry, setState } = deps;
  if (t.opening || t.transport) return;
  t.opening = true;
  const { candidate } = t;
  const source: FrameSource = {
    deviceId: candidate.id,
    profile: candidate.profile.id,
    transport: candidate.transport,
  };
  try {
    const transport = await openTransport({
      kind: candidate.transport,
      path: candidate.path,
      profile: candidate.profile,
      hid: deps.hid,
      serial: deps.serial,
      logger: log.child({ device_id: candidate.id }),
      sink: {
        frame: (frame) => deps.onFrame(source, frame),
        problem: (code, detail) =>
          log.warn('device input problem', { device_id: candidate.id, code, ...detail }),
      },
      onLost: (reason) => {
        t.transport = undefined;
        t.nextAttemptAt = Date.now() + retry.baseMs;
        setState(t, 'offline', reason);
      },
    });
    if (!deps.wanted(t, candidate.id)) {
      await transport.close(); // stopped or unplugged while opening
      return;
    }
    t.transport = transport;
    t.failures = 0;
    setState(t, 'online');
  } catch (err) {
    t.failures++;
    const backoff = Math.min(retry.maxMs, retry.baseMs * 2 ** Math.min(t.failures - 1, 10));
    t.nextAttemptAt = Date.now() + backoff;
    setState(t, 'error', `open_failed: ${(err as Error).message}`);
  } finally {
    t.opening = false;
  }
}

export async function detach(t: Tracked, reason: string, deps: Pick<AttachDeps, 'logger' | 'setState'>) {
  const transport = t.transport;
  t.transport = undefined;
  if (transport) {
    try {
      await transport.close();
    } catch (err) {
      deps.logger.debug('device close failed', { device_id: t.state.id, error: err });
    }
  }
  deps.setState(t, 'offline', reason);
}
