// A gateway on till T1 with one serial scanner on a real pty (socat), and a connected till.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultProfilesDir } from '../../src/devices/profiles/index.ts';
import { connect, startTestGateway, tempDir } from './gateway.ts';
import { startPtyPair } from './pty.ts';

export interface SerialRigOptions {
  /** More serial devices for the config, after the scanner. */
  extraSerial?: { path: string; profile: string }[];
  /** Overrides of the `serial` section of the shipped `generic-serial` profile (framing settings). */
  serial?: Record<string, unknown>;
  /** Discovery polling; default 100 ms. */
  pollIntervalMs?: number;
}

export async function gatewayWithSerialScanner(t: any, opts: SerialRigOptions = {}) {
  t.timeout(30_000);
  const pty = await startPtyPair();
  t.teardown(() => pty.close());
  const gw = await startTestGateway({
    config: {
      till_id: 'T1',
      devices: {
        poll_interval_ms: opts.pollIntervalMs ?? 100,
        serial: [{ path: pty.device, profile: 'generic-serial' }, ...(opts.extraSerial ?? [])],
        ...(opts.serial ? { profiles_dir: shippedProfilesWith(opts.serial) } : {}),
      },
    },
  });
  t.teardown(() => gw.stop());
  const till = await connect(gw.url);
  t.teardown(() => till.endAsync());
  return { pty, gw, till };
}

/** A copy of the shipped profiles whose `generic-serial` has other framing settings. */
function shippedProfilesWith(serial: Record<string, unknown>): string {
  const dir = join(tempDir('edge-profiles-'), 'profiles');
  cpSync(defaultProfilesDir, dir, { recursive: true });
  const file = join(dir, 'generic-serial.json');
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  profile.serial = { ...profile.serial, ...serial };
  writeFileSync(file, JSON.stringify(profile));
  return dir;
}
