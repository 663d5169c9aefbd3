import test from 'ava';
import { runCli } from '../../helpers/cli.ts';
import { loyaltyRig, turnover, tx } from './_setup.ts';

// `--json` for what a script reads; without it the text a technician reads (the CLI's contract).
async function cli(args: string[]) {
  const run = runCli([...args, '--json'], { EDGE_LOG_LEVEL: 'warn' });
  const code = await run.exited;
  const text = run.stdout.join('');
  return { code, json: code === 0 ? JSON.parse(text) : undefined, stderr: run.stderr.join('') };
}

async function cliText(args: string[]) {
  const run = runCli(args, { EDGE_LOG_LEVEL: 'warn' });
  const code = await run.exited;
  return { code, text: run.stdout.join(''), stderr: run.stderr.join('') };
}

test('a technician lists dead letters, retries one (delivered by the running gateway) and discards another', async (t) => {
  // Eight runs of the real command, each a Node start-up (seconds apiece on a loaded CI machine).
  t.timeout(120_000);
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
  const dead = await cli(['outbox', 'dead', ...dir]);
  t.deepEqual(dead.json.map((d: any) => d.transaction).sort(), [a, b].sort());
  t.false(JSON.stringify(dead.json).includes('receipt_number'), 'request bodies are not shown');
  const idOf = (key: string) => dead.json.find((d: any) => d.transaction === key).id;

  // The same facts as text, by default: no JSON, a line per dead letter under a header.
  const statusText = await cliText(['outbox', 'status', ...dir]);
  t.is(statusText.code, 0);
  t.regex(statusText.text, /^waiting: +0 \(0 pending, 0 being sent\)$/m);
  t.regex(statusText.text, /^dead letters: 2 \(list them: edge-gateway outbox dead\)$/m);
  const deadText = await cliText(['outbox', 'dead', ...dir]);
  const lines = deadText.text.trimEnd().split('\n');
  t.regex(lines[0]!, /^ID +TRANSACTION +KIND +ATTEMPTS +CREATED +ERROR$/);
  for (const key of [a, b]) {
    t.regex(deadText.text, new RegExp(`^${idOf(key)} +${key} +turnover +\\d+ +\\S+ +\\S`, 'm'));
  }
  t.is(lines.length, 4, 'header, two dead letters, the hint');
  t.false(deadText.text.includes('receipt_number'), 'request bodies are not shown');

  const retried = await cliText(['outbox', 'retry', String(idOf(a)), ...dir]);
  t.is(retried.code, 0);
  t.regex(retried.text, new RegExp(`^retried dead letter ${idOf(a)} \\(transaction ${a}, turnover\\)`));
  await events.until((m) => m.topic.endsWith('/loyalty/booked') && m.payload.transaction === a, 10_000);
  const discarded = await cli(['outbox', 'discard', String(idOf(b)), ...dir]);
  t.is(discarded.code, 0);
  t.like((await cli(['outbox', 'status', ...dir])).json, { dead: 0, depth: 0 });
  t.is((await cliText(['outbox', 'dead', ...dir])).text, 'no dead letters\n');
  t.is(sim.ledger.effects().filter((e) => e.transaction_id === a).length, 1);
  t.is(sim.ledger.effects().filter((e) => e.transaction_id === b).length, 0);

  const missing = await cli(['outbox', 'retry', '99999', ...dir]);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /99999/);
});
