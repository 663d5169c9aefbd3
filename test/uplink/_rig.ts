// The ops side of the uplink tests: a real Mosquitto with a login and ACL per box, and a fleet
// client that reads everything below `edge/`.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { type Running, runCli } from '../helpers/cli.ts';
import { connect, recorder, tempDir } from '../helpers/gateway.ts';
import {
  type BoxLogin,
  type Mosquitto,
  type MosquittoOptions,
  startMosquitto,
} from '../helpers/mosquitto.ts';

export const FLEET = { username: 'fleet', password: 'fleet-secret' };

export const box = (branch: string, till: string): BoxLogin => ({
  username: `${branch}.${till}`,
  password: `pw-${branch}-${till}`,
  branch,
  till,
});

export async function opsBroker(t: any, boxes: BoxLogin[], more: MosquittoOptions = {}): Promise<Mosquitto> {
  const m = await startMosquitto({ boxes, readers: [FLEET], ...more });
  t.teardown(() => m.stop());
  return m;
}

/** Fast reconnects and a short keepalive so outages are seen within a test's patience. */
export function uplinkConfig(m: Mosquitto, extra: Record<string, unknown> = {}) {
  return { url: m.url, keepalive_s: 5, reconnect_min_ms: 100, reconnect_max_ms: 500, ...extra };
}

export async function fleetClient(
  t: any,
  m: Mosquitto,
  opts: Record<string, unknown> = {},
): Promise<MqttClient> {
  const c = await connect(m.url, { ...FLEET, ...opts });
  c.on('error', () => {});
  t.teardown(() => c.endAsync(true));
  return c;
}

export async function watch(t: any, m: Mosquitto, filter = 'edge/#', opts: Record<string, unknown> = {}) {
  const c = await fleetClient(t, m, { reconnectPeriod: 100, ...opts });
  return { client: c, rec: await recorder(c, filter) };
}

export async function httpJson(port: number, path: string): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return res.json();
}

export async function until<T>(
  what: string,
  f: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * `edge-gateway start` as a process of its own reporting to `m` as `login` (SIGKILL, SIGSTOP: what
 * only a process can suffer; the CLI's own loader). The password goes to the 0600 secrets file, as
 * on a box (DESIGN §9).
 */
export function startBoxProcess(
  m: Mosquitto,
  login: BoxLogin,
  opts: { dataDir?: string; uplink?: Record<string, unknown> } = {},
): Running & { dataDir: string } {
  const dataDir = opts.dataDir ?? tempDir();
  const configPath = join(dataDir, 'config.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      till_id: login.till,
      branch_id: login.branch,
      devices: { hid: false },
      uplink: { keepalive_s: 5, reconnect_min_ms: 100, reconnect_max_ms: 500, ...opts.uplink },
    }),
  );
  writeFileSync(join(dataDir, 'secrets.json'), JSON.stringify({ uplink: { password: login.password } }), {
    mode: 0o600,
  });
  const run = runCli(['start', '--config', configPath], {
    EDGE_DATA_DIR: dataDir,
    EDGE_MQTT_PORT: '0',
    EDGE_HTTP_PORT: '0',
    EDGE_UPLINK_URL: m.url,
    EDGE_LOG_LEVEL: 'info',
  });
  return { ...run, dataDir };
}

/** A CA and a server certificate for 127.0.0.1 signed by it (openssl), for a TLS listener. */
export function makeCa(dir: string) {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run(
    ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=Ops Test CA'],
    ...['-keyout', 'ca.key', '-out', 'ca.pem'],
  );
  run(
    ...['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key'],
    '-out',
    'server.csr',
  );
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  run(
    ...['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial'],
    ...['-days', '2', '-extfile', 'san.ext', '-out', 'server.pem'],
  );
  return { caFile: join(dir, 'ca.pem'), certFile: join(dir, 'server.pem'), keyFile: join(dir, 'server.key') };
}
