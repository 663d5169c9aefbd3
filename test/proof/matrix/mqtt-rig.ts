// The rig of the MQTT security matrix: a provisioned gateway serving till A with logins for till A
// and till B, listening on every interface (TCP and WebSocket), and login attempts as cells.
import { networkInterfaces } from 'node:os';
import type { ExecutionContext } from 'ava';
import type mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { connect, startTestGateway, type TestGateway } from '../../helpers/gateway.ts';
import { TILLS, type Transport } from './mqtt-acl.ts';

export async function provisioned(t: ExecutionContext): Promise<TestGateway> {
  const gw = await startTestGateway({
    // On every interface, so that logins from a LAN address are part of the matrix too.
    // The brute-force limit (test/mqtt/login-limit.test.ts) raised: every cell is one login's verdict.
    config: {
      till_id: 'A',
      branch_id: 'B1',
      mqtt: { host: '0.0.0.0', ws_port: 0, login_limit: { max_failures: 10000 } },
    },
    users: {
      'till-a': { password: TILLS['till-a'].password },
      'till-b': { password: TILLS['till-b'].password, till_id: TILLS['till-b'].till_id },
    },
  });
  t.teardown(() => gw.stop());
  return gw;
}

export function urlOf(gw: TestGateway, transport: Transport, host = '127.0.0.1'): string {
  return transport === 'tcp'
    ? `mqtt://${host}:${gw.gateway.mqttPort}`
    : `ws://${host}:${gw.gateway.mqttWsPort}/mqtt`;
}

/** A non-loopback IPv4 address of this machine, to connect "from the LAN". */
export function lanAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

export type Observed = { verdict: 'allowed'; client: MqttClient } | { verdict: 'refused'; why: string };

export async function tryLogin(url: string, opts: mqtt.IClientOptions): Promise<Observed> {
  try {
    return { verdict: 'allowed', client: await connect(url, opts) };
  } catch (err) {
    const e = err as Error & { code?: number | string };
    return { verdict: 'refused', why: String(e.code ?? e.message) };
  }
}

/** CONNACK return codes a refusal may carry (MQTT 3.1.1, section 3.2.2.3). */
const RETURN_CODES: Record<string, string> = {
  '2': 'identifier rejected',
  '4': 'bad username or password',
  '5': 'not authorised',
  ECONNREFUSED: 'not listening',
};

/** `refused (4 bad username or password)`: a refusal as the matrix counts it. */
export const refusal = (why: string | number) =>
  `refused (${why}${RETURN_CODES[why] ? ` ${RETURN_CODES[why]}` : ''})`;

export const show = (o: Observed) => (o.verdict === 'allowed' ? 'allowed' : refusal(o.why));
