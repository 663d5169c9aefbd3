import test from 'ava';
import { connect, recorder, settled, startTestGateway, withoutBarriers } from '../helpers/gateway.ts';

async function setup(t: any) {
  const gw = await startTestGateway({ config: { till_id: 'T1' } });
  t.teardown(() => gw.stop());
  const client = await connect(gw.url);
  t.teardown(() => client.endAsync());
  const responses = await recorder(client, 'pos/T1/response/#');
  return { gw, client, responses };
}

// Each row's answer is told apart from every other's: by its transaction where the request has a
// usable one, else by its topic and the reason in `error.details` — so "one answer per row" is
// counted row by row, not in total.
const malformed: { name: string; op: string; payload: string | Buffer; code: string; answer: string }[] = [
  row('invalid JSON', 'gateway/test_scan', '{"transaction": "t1", ', 'invalid_request', 'invalid_json'),
  row('a JSON array', 'gateway/test_scan', '[1,2]', 'invalid_request', 'not_object'),
  row('a bare string', 'loyalty/identify', '"hi"', 'invalid_request', 'not_object'),
  row(
    'missing transaction',
    'gateway/test_scan',
    '{"text":"x"}',
    'invalid_request',
    'schema transaction=missing',
  ),
  row(
    'transaction of the wrong type',
    'gateway/test_scan',
    '{"transaction":{"a":1},"text":"x"}',
    'invalid_request',
    'schema transaction=invalid',
  ),
  row('unknown op', 'gateway/self_destruct', '{"transaction":"t2"}', 'unknown_op', 't2'),
  row('wrong argument type', 'gateway/test_scan', '{"transaction":"t3","text":42}', 'invalid_request', 't3'),
  row('missing argument', 'gateway/test_scan', '{"transaction":"t4"}', 'invalid_request', 't4'),
  row(
    'negative amount',
    'loyalty/turnover',
    '{"transaction":"t5","customer_ref":"c","receipt_number":"r","amount_cents":-1,"currency":"EUR"}',
    'invalid_request',
    't5',
  ),
  row(
    'fractional amount',
    'loyalty/turnover',
    '{"transaction":"t6","customer_ref":"c","receipt_number":"r","amount_cents":1.5,"currency":"EUR"}',
    'invalid_request',
    't6',
  ),
  row(
    'unknown currency',
    'loyalty/turnover',
    '{"transaction":"t7","customer_ref":"c","receipt_number":"r","amount_cents":100,"currency":"ABC"}',
    'invalid_request',
    't7',
  ),
  row(
    'turnover without customer',
    'loyalty/turnover',
    '{"transaction":"t8","receipt_number":"r","amount_cents":100,"currency":"EUR"}',
    'invalid_request',
    't8',
  ),
  row('oversized payload', 'gateway/test_scan', Buffer.alloc(70_000, 0x20), 'invalid_request', 'too_large'),
  row('empty payload', 'loyalty/turnover', '', 'invalid_request', 'invalid_json'),
];

function row(name: string, op: string, payload: string | Buffer, code: string, id: string) {
  return { name, op, payload, code, answer: `${op} ${code} ${id}` };
}

/** What tells one answer from another: see the table above. */
function answerId(m: { topic: string; payload: any }): string {
  const op = m.topic.replace('pos/T1/response/', '');
  const e = m.payload.error ?? {};
  if (m.payload.transaction !== null) return `${op} ${e.code} ${m.payload.transaction}`;
  const d = e.details ?? {};
  const field = d.fields?.transaction ? ` transaction=${d.fields.transaction}` : '';
  return `${op} ${e.code} ${d.reason}${field}`;
}

test('every malformed request gets exactly one error response with a stable code', async (t) => {
  const { client, responses } = await setup(t);
  for (const r of malformed) client.publish(`pos/T1/request/${r.op}`, r.payload, { qos: 1 });
  await responses.waitFor(malformed.length);
  await settled(responses, 'T1'); // anything still to come would arrive before the barrier's answer
  const answers = withoutBarriers(responses.messages);
  // Exactly one answer per row: one row answered twice and another never would fail here.
  t.deepEqual(answers.map(answerId).sort(), malformed.map((r) => r.answer).sort());
  for (const m of answers) {
    t.is(m.payload.status, 'error');
    t.is(typeof m.payload.error.message, 'string');
    t.is(m.payload.data, null);
  }
  const byTx = (tx: string) => answers.find((m) => m.payload.transaction === tx)!;
  t.regex(byTx('t5').payload.error.message, /amount_cents/);
  t.regex(byTx('t7').payload.error.message, /currency/);
  t.is(byTx('t2').payload.error.code, 'unknown_op');
});

test('a test scan is published as a scan event and answered with its id', async (t) => {
  const { client, responses } = await setup(t);
  const scans = await recorder(client, 'pos/T1/scan');
  client.publish(
    'pos/T1/request/gateway/test_scan',
    JSON.stringify({ transaction: 'ts-1', text: 'HELLO-123' }),
    {
      qos: 1,
    },
  );
  await responses.waitFor(1);
  await scans.waitFor(1);
  const res = responses.messages[0]!.payload;
  t.is(res.status, 'ok');
  t.is(res.transaction, 'ts-1');
  const scan = scans.messages[0]!.payload;
  t.is(scan.id, res.data.scan_id);
  t.is(scan.text, 'HELLO-123');
  t.is(scan.device_id, 'test');
  t.is(scan.seq, 1);
  t.true(Array.isArray(scan.warnings));
});

test('the same transaction twice gets the same answer and runs once; other arguments are refused', async (t) => {
  const { client, responses } = await setup(t);
  const scans = await recorder(client, 'pos/T1/scan');
  const req = JSON.stringify({ transaction: 42, text: 'ONCE' });
  client.publish('pos/T1/request/gateway/test_scan', req, { qos: 1 });
  client.publish('pos/T1/request/gateway/test_scan', req, { qos: 1 });
  client.publish('pos/T1/request/gateway/test_scan', JSON.stringify({ transaction: 42, text: 'OTHER' }), {
    qos: 1,
  });
  await responses.waitFor(3);
  await settled(scans, 'T1');
  t.is(withoutBarriers(scans.messages).length, 1);
  // Answers to different requests need not come in request order: a refusal is answered at once,
  // a repeat waits for the first run's answer.
  const answers = withoutBarriers(responses.messages).map((m) => m.payload);
  const [a, b, ...more] = answers.filter((p) => p.status === 'ok');
  t.deepEqual(more, []);
  t.deepEqual(a, b);
  t.is(a.transaction, 42);
  const refused = answers.filter((p) => p.status === 'error');
  t.is(refused.length, 1);
  t.is(refused[0].error.code, 'transaction_reused');
});

test('in demo mode loyalty ops go to the built-in simulator: an unknown code is not_found, answered once', async (t) => {
  const { client, responses } = await setup(t);
  client.publish(
    'pos/T1/request/loyalty/identify',
    JSON.stringify({ transaction: 'i1', code: 'HA-AAAAAAAAAAAAAAAA' }),
    {
      qos: 1,
    },
  );
  await responses.waitFor(1);
  await settled(responses, 'T1');
  const answers = withoutBarriers(responses.messages);
  t.is(answers.length, 1);
  t.is(answers[0]!.payload.error.code, 'not_found');
});
