// A test gateway as till T1 of branch B1, wired to a real provider simulator on loopback, with
// outbox retries fast enough that a test never waits out a production backoff. Shared by the
// loyalty flow rig (test/loyalty/flows/_setup.ts) and the apply tests (test/parts/apply.test.ts).
import { createSimulator, SEED, type Simulator } from '../../src/loyalty/simulator/index.ts';
import { type StartOptions, startTestGateway, type TestGateway } from './gateway.ts';

/** A provider simulator on a free loopback port, closed when the test ends. */
export async function startSimulator(t: any): Promise<Simulator> {
  const sim = await createSimulator({ host: '127.0.0.1', port: 0 });
  t.teardown(() => sim.close());
  return sim;
}

export interface SimulatorGatewayOptions extends Omit<StartOptions, 'config'> {
  /** Gateway settings; `provider` and `outbox` below are laid over them. */
  config?: Record<string, any>;
  /** Laid over the simulator's URL and key and a 1 s timeout. */
  provider?: Record<string, unknown>;
  /** Laid over the fast retry settings. */
  outbox?: Record<string, unknown>;
}

/** Starts the gateway on `sim`; it is stopped when the test ends. */
export async function simulatorGateway(
  t: any,
  sim: Simulator,
  { config = {}, provider, outbox, ...start }: SimulatorGatewayOptions = {},
): Promise<TestGateway> {
  const gw = await startTestGateway({
    ...start,
    config: {
      till_id: 'T1',
      branch_id: 'B1',
      ...config,
      provider: { url: sim.url, api_key: SEED.apiKey, timeout_ms: 1000, ...provider },
      outbox: { retry_base_ms: 20, retry_max_ms: 200, circuit_failures: 3, circuit_open_ms: 100, ...outbox },
    },
  });
  t.teardown(() => gw.stop());
  return gw;
}
