// The ops side of the uplink tests: a real Mosquitto with a login and ACL per box, and a fleet
// client that reads everything below `edge/`.
import type { MqttClient } from 'mqtt';
import { connect, recorder } from '../helpers/gateway.ts';
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
