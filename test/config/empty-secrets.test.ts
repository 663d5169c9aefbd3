// A secrets file left empty or blank (a power cut while it was written) is handled like the
// config's power-cut cases: the real `edge-gateway start` says what it found and serves without
// those secrets (unprovisioned for what needs them) instead of refusing to start.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { createSimulator } from '../../src/loyalty/simulator/index.ts';
import { SEED } from '../../src/loyalty/simulator/seed.ts';
import { runCli } from '../helpers/cli.ts';
import { connect, nextMessages, tempDir, waitUntil } from '../helpers/gateway.ts';

const PORTS = { EDGE_MQTT_PORT: '0', EDGE_HTTP_PORT: '0' };

function emptySecretsLine(lines: any[]) {
  return lines.filter((l) => typeof l === 'object' && /secrets file is empty/.test(l.msg));
}

test('a zero-byte secrets file: start serves unclaimed and says what it found, once', async (t) => {
  t.timeout(30_000);
  const dir = tempDir();
  writeFileSync(join(dir, 'secrets.json'), '', { mode: 0o600 });
  const run = runCli(['start'], { EDGE_DATA_DIR: dir, ...PORTS });
  t.teardown(() => run.child.kill('SIGKILL'));
  await run.ready;
  const said = emptySecretsLine(run.lines);
  t.is(said.length, 1);
  t.is(said[0].level, 'error');
  t.is(said[0].file, join(dir, 'secrets.json'));
  t.deepEqual(said[0].unprovisioned, ['technician login: the box is unclaimed (setup code)']);
  t.true(
    run.lines.some((l) => typeof l.setup_code === 'string'),
    'the box can be claimed again',
  );
  run.child.kill('SIGTERM');
  t.is(await run.exited, 0);
});

test('a blank secrets file with a provider URL: lookups fail as unreachable, turnovers queue, nothing reaches the provider; provisioning the key again delivers them', async (t) => {
  t.timeout(60_000);
  const sim = await createSimulator();
  t.teardown(() => sim.close());
  const dir = tempDir();
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ provider: { url: sim.url } }));
  writeFileSync(join(dir, 'secrets.json'), ' \n\t\n', { mode: 0o600 });
  const env = { EDGE_DATA_DIR: dir, ...PORTS };
  const run = runCli(['start', '--config', config], env);
  t.teardown(() => run.child.kill('SIGKILL'));
  const ready = await run.ready;
  t.deepEqual(emptySecretsLine(run.lines)[0]?.unprovisioned, [
    'provider (provider.api_key): lookups fail as unreachable, turnovers queue',
    'technician login: the box is unclaimed (setup code)',
  ]);

  const till = await connect(`mqtt://127.0.0.1:${ready.mqtt_port}`);
  t.teardown(() => till.end(true));
  const request = async (op: string, body: object) => {
    const answer = nextMessages(till, `pos/demo-till/response/${op}`);
    await till.publishAsync(`pos/demo-till/request/${op}`, JSON.stringify(body));
    return (await answer)[0]!.payload;
  };
  const identified = await request('loyalty/identify', {
    transaction: 'id-1',
    code: SEED.customers.regular.card,
    entry: 'manual',
  });
  t.is(identified.status, 'error');
  t.is(identified.error.code, 'provider_unreachable');
  const turnover = await request('loyalty/turnover', {
    transaction: 'sale-1',
    customer_ref: SEED.customers.regular.ref,
    receipt_number: 'R-1',
    amount_cents: 990,
    currency: 'EUR',
  });
  t.is(turnover.status, 'ok');
  t.is(turnover.data.state, 'queued');
  t.is(sim.ledger.effects().length, 0);
  await till.endAsync();
  run.child.kill('SIGTERM');
  t.is(await run.exited, 0);

  // The technician enters the key again; the next start delivers the queued sale, once.
  const provision = runCli(['provision', '--config', config, '--provider-api-key', SEED.apiKey], env);
  t.is(await provision.exited, 0, provision.stderr.join(''));
  const again = runCli(['start', '--config', config], env);
  t.teardown(() => again.child.kill('SIGKILL'));
  await again.ready;
  t.deepEqual(emptySecretsLine(again.lines), []);
  await waitUntil(() => sim.ledger.effects().length > 0, 'the queued turnover delivered', 20_000);
  t.deepEqual(
    sim.ledger.effects().map((e) => [e.kind, e.transaction_id]),
    [['purchase', 'sale-1']],
  );
  again.child.kill('SIGTERM');
  t.is(await again.exited, 0);
});

test('a secrets file with broken JSON is still refused with its reason (it may hold keys worth saving)', async (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, 'secrets.json'), '{"provider": {"api_key": "sk-', { mode: 0o600 });
  const run = runCli(['start'], { EDGE_DATA_DIR: dir, ...PORTS, EDGE_LOG_LEVEL: 'silent' });
  t.not(await run.exited, 0);
  t.regex(run.stderr.join(''), /secrets\.json: not valid JSON/);
  t.notRegex(run.stderr.join(''), /sk-/);
});
