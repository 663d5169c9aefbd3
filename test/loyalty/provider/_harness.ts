// Real parts for the loyalty tests: a simulator on 127.0.0.1 port 0 and the real HTTP adapter.

import type { ExecutionContext } from 'ava';
import { createLogger, type Logger } from '../../../src/log.ts';
import { createHttpProvider, type HttpProviderConfig } from '../../../src/loyalty/http-adapter.ts';
import type { LoyaltyProvider, PurchaseArgs } from '../../../src/loyalty/provider.ts';
import {
  createSimulator,
  type Simulator,
  type SimulatorOptions,
} from '../../../src/loyalty/simulator/index.ts';
import { SEED } from '../../../src/loyalty/simulator/seed.ts';

export const BRANCH = 'B01';
export const TILL = 'T07';

export async function startSimulator(t: ExecutionContext, opts: SimulatorOptions = {}): Promise<Simulator> {
  const sim = await createSimulator({ host: '127.0.0.1', port: 0, ...opts });
  t.teardown(() => sim.close());
  return sim;
}

export function providerFor(
  t: ExecutionContext,
  sim: { url: string },
  overrides: Partial<HttpProviderConfig> = {},
  logger: Logger = createLogger({ level: 'silent' }),
): LoyaltyProvider {
  const provider = createHttpProvider(
    {
      baseUrl: sim.url,
      apiKey: SEED.apiKey,
      branchId: BRANCH,
      tillId: TILL,
      timeoutMs: 10_000,
      ...overrides,
    },
    logger,
  );
  t.teardown(() => provider.close());
  return provider;
}

export function logCollector(): { logger: Logger; text: () => string } {
  const lines: string[] = [];
  return {
    logger: createLogger({ level: 'debug', write: (l) => lines.push(l) }),
    text: () => lines.join('\n'),
  };
}

export function turnover(transaction: string, overrides: Partial<PurchaseArgs> = {}): PurchaseArgs {
  return {
    transaction,
    receiptNumber: `R-${transaction}`,
    amountCents: 1999,
    currency: 'EUR',
    customerRef: SEED.customers.regular.ref,
    ...overrides,
  };
}

export const keyOf = (transaction: string) => `${BRANCH}:${TILL}:${transaction}`;

/** Waits for a condition of the running system; the test's own timeout bounds it. */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}

/** A raw HTTP call to the simulator, for what the adapter deliberately hides (headers, bytes). */
export async function raw(
  sim: { url: string },
  method: 'GET' | 'POST',
  path: string,
  opts: { body?: string; key?: string; apiKey?: string | null } = {},
): Promise<{ status: number; headers: Headers; text: string; json: () => Record<string, unknown> }> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (opts.apiKey !== null) headers.Authorization = `API-Key ${opts.apiKey ?? SEED.apiKey}`;
  if (opts.key !== undefined) headers['Idempotency-Key'] = opts.key;
  const res = await fetch(sim.url + path, { method, headers, body: opts.body });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: () => JSON.parse(text) as Record<string, unknown>,
  };
}
