// A gateway wired to a real provider simulator on loopback, with fast retry settings, and a till.
import type { MqttClient } from 'mqtt';
import { SEED, type Simulator } from '../../../src/loyalty/simulator/index.ts';
import { connect, recorder, type TestGateway } from '../../helpers/gateway.ts';
import { simulatorGateway, startSimulator } from '../../helpers/simulator-gateway.ts';

export { SEED };

export interface LoyaltyRig {
  sim: Simulator;
  gw: TestGateway;
  till: MqttClient;
  responses: Awaited<ReturnType<typeof recorder>>;
  events: Awaited<ReturnType<typeof recorder>>;
  request(op: string, body: Record<string, unknown>): Promise<any>;
  /** Stops this gateway and starts a new one on the same data dir and provider (a reboot of the box). */
  restart(): Promise<LoyaltyRig>;
}

export async function loyaltyRig(t: any, config: Record<string, any> = {}): Promise<LoyaltyRig> {
  t.timeout(60_000);
  return startRig(t, await startSimulator(t), config);
}

async function startRig(
  t: any,
  sim: Simulator,
  config: Record<string, any>,
  dataDir?: string,
): Promise<LoyaltyRig> {
  const gw = await simulatorGateway(t, sim, {
    dataDir,
    config,
    // Generous: a healthy simulator answers inside it even on a loaded machine, so `booked` is
    // what the till hears. Tests about the window set their own.
    provider: { booking_window_ms: 10_000, ...config.provider },
    outbox: config.outbox,
  });
  const till = await connect(gw.url);
  t.teardown(() => till.endAsync());
  const responses = await recorder(till, 'pos/T1/response/#');
  const events = await recorder(till, 'pos/T1/event/#');
  const request = async (op: string, body: Record<string, unknown>) => {
    till.publish(`pos/T1/request/${op}`, JSON.stringify(body), { qos: 1 });
    const m = await responses.until(
      (r) =>
        r.topic === `pos/T1/response/${op}` && r.payload.transaction === body.transaction && !(r as any).seen,
      15_000,
    );
    (m as any).seen = true;
    return m.payload;
  };
  const restart = async () => {
    await till.endAsync();
    await gw.stop();
    return startRig(t, sim, config, gw.dataDir);
  };
  return { sim, gw, till, responses, events, request, restart };
}

let seq = 0;
export const tx = (prefix = 'tx') => `${prefix}-${process.pid}-${++seq}`;

export const turnover = (transaction: string, extra: Record<string, unknown> = {}) => ({
  transaction,
  customer_ref: SEED.customers.regular.ref,
  receipt_number: `R-${transaction}`,
  amount_cents: 1250,
  currency: 'EUR',
  receipt_datetime: '2026-11-23T10:00:00+01:00',
  ...extra,
});
