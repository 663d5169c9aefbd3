import test from 'ava';
import { runCli } from '../../helpers/cli.ts';
import { loyaltyRig, turnover, tx } from './_setup.ts';

async function cli(args: string[]) {
  const run = runCli(args, { EDGE_LOG_LEVEL: 'warn' });
  const code = await run.exited;
  const text = run.lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n');
  return { code, json: code === 0 ? JSON.parse(text) : undefined, stderr: run.stderr.join('') };
}

test('a technician lists dead letters, retries one (delivered by the running gateway) and discards another', async (t) => {
  const { request, sim, events, gw } = await loyaltyRig(t, {
    provider: { booking_window_ms: 0 },
    outbox: { idle_poll_ms: 200 },
  });
  // The provider refuses with a final 422 (e.g. a rule it later relaxed): both go to dead letters.
  t.true(sim.faults.set({ rejectRate: 1, rejectStatus: 422 }).ok);
  const [a, b] = [tx('dl'), tx('dl')];
  await request('loyalty/turnover', turnover(a));
  await request('loyalty/turnover', turnover(b, { customer_ref: 'C-1002' }));
  await events.until((m) => m.topic.endsWith('/loyalty/failed') && m.payload.transaction === a, 10_000);
  await events.until((m) => m.topic.endsWith('/loyalty/failed') && m.payload.transaction === b, 10_000);
  sim.faults.clear();

  const dir = ['--data-dir', gw.dataDir, '--config', `${gw.dataDir}/config.json`];
  const status = await cli(['outbox', 'status', ...dir]);
  t.like(status.json, { dead: 2, depth: 0 });
  const dead = await cli(['outbox', 'dead', ...dir]);
  t.deepEqual(dead.json.map((d: any) => d.transaction).sort(), [a, b].sort());
  t.false(JSON.stringify(dead.json).includes('receipt_number'), 'request bodies are not shown');
  const idOf = (key: string) => dead.json.find((d: any) => d.transaction === key).id;

  const retried = await cli(['outbox', 'retry', String(idOf(a)), ...dir]);
  t.is(retried.code, 0);
  await events.until((m) => m.topic.endsWith('/loyalty/booked') && m.payload.transaction === a, 10_000);
  const discarded = await cli(['outbox', 'discard', String(idOf(b)), ...dir]);
  t.is(discarded.code, 0);
  t.like((await cli(['outbox', 'status', ...dir])).json, { dead: 0, depth: 0 });
  t.is(sim.ledger.effects().filter((e) => e.transaction_id === a).length, 1);
  t.is(sim.ledger.effects().filter((e) => e.transaction_id === b).length, 0);

  const missing = await cli(['outbox', 'retry', '99999', ...dir]);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /99999/);
});
