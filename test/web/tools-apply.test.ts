// The technician's tools while settings are applied (src/web/tools.ts): a provider change restarts
// loyalty, and the page's dead-letter, connectivity and diagnostics requests sent meanwhile wait
// for the new loyalty, as a till's MQTT request does, and are answered by it; none hears 500. A
// real gateway, a real provider simulator, the page's HTTP API with a technician's session.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { loadConfig } from '../../src/config/load.ts';
import { createSimulator, SEED } from '../../src/loyalty/simulator/index.ts';
import { createContext, ServiceUnavailable } from '../../src/parts/context.ts';
import { collectingLogger, connect, startTestGateway, tempDir, waitUntil } from '../helpers/gateway.ts';
import { turnover, tx } from '../loyalty/flows/_setup.ts';
import { setupCodeFrom, WebClient } from './client.ts';

const TILL = { username: 'till-1', password: 'till-1-password' };

test('dead letters, the provider test and diagnostics asked while loyalty restarts are answered by the new loyalty, none with 500', async (t) => {
  t.timeout(90_000);
  const sim = await createSimulator({ host: '127.0.0.1', port: 0 });
  t.teardown(() => sim.close());
  const gw = await startTestGateway({
    config: {
      till_id: 'T1',
      branch_id: 'B1',
      provider: { url: sim.url, api_key: SEED.apiKey, timeout_ms: 5000, booking_window_ms: 300 },
      outbox: { retry_base_ms: 20, retry_max_ms: 200, circuit_failures: 3, circuit_open_ms: 100 },
    },
    users: { [TILL.username]: { password: TILL.password } },
  });
  t.teardown(() => gw.stop());
  const web = new WebClient(`http://127.0.0.1:${gw.gateway.httpPort}`);
  await web.open();
  t.is(
    (await web.post('/api/claim', { code: setupCodeFrom(gw.lines), password: 'technician-pass-1' })).status,
    200,
  );

  // A final refusal puts one turnover in dead letters.
  const till = await connect(gw.url, TILL);
  t.teardown(() => till.endAsync(true));
  sim.faults.set({ rejectRate: 1, rejectStatus: 422 });
  await till.publishAsync('pos/T1/request/loyalty/turnover', JSON.stringify(turnover(tx('dead'))), {
    qos: 1,
  });
  await waitUntil(() => gw.gateway.loyalty.store.listDead().length === 1, 'a dead letter', 20_000);
  const [dead] = gw.gateway.loyalty.store.listDead();
  // A slow delivery in flight: the outbox's stop waits for it, so loyalty stays away a while.
  sim.faults.clear();
  sim.faults.set({ latencyMs: 1500 });
  await till.publishAsync(
    'pos/T1/request/loyalty/turnover',
    JSON.stringify(turnover(tx('slow'), { customer_ref: SEED.customers.cardOnly.ref })),
    { qos: 1 },
  );
  await waitUntil(() => gw.gateway.loyalty.dispatcher.state().inflight === 1, 'the delivery is in flight');
  const before = gw.gateway.loyalty;

  const file = join(gw.dataDir, 'config.json');
  const config = JSON.parse(readFileSync(file, 'utf8'));
  config.provider.timeout_ms = 4000;
  writeFileSync(file, JSON.stringify(config));
  const target = { configPath: file, dataDir: gw.dataDir, env: {}, logger: collectingLogger().logger };
  const applying = gw.gateway.apply(await loadConfig(target));
  const away = () => {
    try {
      gw.gateway.loyalty;
      return false;
    } catch {
      return true;
    }
  };
  await waitUntil(away, 'loyalty stopped to restart', 10_000);

  const [list, provider, diagnostics, retry] = await Promise.all([
    web.get('/api/dead'),
    web.post('/api/tools/connectivity', { target: 'provider' }),
    web.get('/api/diagnostics'),
    web.post(`/api/dead/${dead!.id}/retry`),
  ]);
  t.like(await applying, { kind: 'parts', restart: ['loyalty', 'info'] });
  t.not(gw.gateway.loyalty, before, 'loyalty was restarted');
  t.is(list.status, 200, list.text);
  t.true(Array.isArray(list.data.dead));
  t.is(provider.status, 200, provider.text);
  t.is(provider.data.verdict, 'ok', provider.text);
  t.is(diagnostics.status, 200, diagnostics.text);
  t.like(diagnostics.data.config.provider, { timeout_ms: 4000 });
  t.is(retry.status, 200, retry.text);
  t.like(retry.data, { ok: true, job: { id: dead!.id } });
  // The retried turnover goes to the provider through the new outbox, once.
  sim.faults.clear();
  await waitUntil(() => gw.gateway.loyalty.health().outbox.depth === 0, 'the outbox emptied', 30_000);
  const transaction = dead!.key;
  t.is(
    sim.ledger.effects().filter((e) => e.kind === 'purchase' && e.transaction_id === transaction).length,
    1,
  );
  const errors = gw.lines.map((l) => JSON.parse(l)).filter((l) => l.level === 'error');
  t.deepEqual(errors, []);
});

test('a service that is not back within the wait is refused as unavailable, not waited for without end', async (t) => {
  const dataDir = tempDir();
  const { logger } = collectingLogger();
  const config = await loadConfig({ configPath: join(dataDir, 'config.json'), dataDir, env: {}, logger });
  const ctx = createContext({ config, logger, signal: new AbortController().signal, hardware: {} });
  // Never started: refused at once, naming it.
  const never = await t.throwsAsync(ctx.whenProvided('loyalty', 60_000), { instanceOf: ServiceUnavailable });
  t.regex(never?.message ?? '', /loyalty is not running/);

  const service = { name: 'loyalty' } as never;
  ctx.provide('loyalty', service);
  t.is(await ctx.whenProvided('loyalty', 0), service);
  ctx.withdraw('loyalty', true);
  // Restarting and back in time: the new service.
  const next = { name: 'next loyalty' } as never;
  const waited = ctx.whenProvided('loyalty', 60_000);
  ctx.provide('loyalty', next);
  t.is(await waited, next);
  // Restarting and not back within the limit.
  ctx.withdraw('loyalty', true);
  const late = await t.throwsAsync(ctx.whenProvided('loyalty', 20), { instanceOf: ServiceUnavailable });
  t.regex(late?.message ?? '', /still restarting/);
});
