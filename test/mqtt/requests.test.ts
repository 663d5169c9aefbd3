import test from 'ava';
import { connect, recorder, sleep, startTestGateway } from '../helpers/gateway.ts';

async function setup(t: any) {
  const gw = await startTestGateway({ config: { till_id: 'T1' } });
  t.teardown(() => gw.stop());
  const client = await connect(gw.url);
  t.teardown(() => client.endAsync());
  const responses = await recorder(client, 'pos/T1/response/#');
  return { gw, client, responses };
}

const malformed: [string, string, string | Buffer, string][] = [
  ['invalid JSON', 'gateway/test_scan', '{"transaction": "t1", ', 'invalid_request'],
  ['a JSON array', 'gateway/test_scan', '[1,2]', 'invalid_request'],
  ['a bare string', 'gateway/test_scan', '"hi"', 'invalid_request'],
  ['missing transaction', 'gateway/test_scan', '{"text":"x"}', 'invalid_request'],
  [
    'transaction of the wrong type',
    'gateway/test_scan',
    '{"transaction":{"a":1},"text":"x"}',
    'invalid_request',
  ],
  ['unknown op', 'gateway/self_destruct', '{"transaction":"t2"}', 'unknown_op'],
  ['wrong argument type', 'gateway/test_scan', '{"transaction":"t3","text":42}', 'invalid_request'],
  ['missing argument', 'gateway/test_scan', '{"transaction":"t4"}', 'invalid_request'],
  [
    'negative amount',
    'loyalty/turnover',
    '{"transaction":"t5","customer_ref":"c","receipt_number":"r","amount_cents":-1,"currency":"EUR"}',
    'invalid_request',
  ],
  [
    'fractional amount',
    'loyalty/turnover',
    '{"transaction":"t6","customer_ref":"c","receipt_number":"r","amount_cents":1.5,"currency":"EUR"}',
    'invalid_request',
  ],
  [
    'unknown currency',
    'loyalty/turnover',
    '{"transaction":"t7","customer_ref":"c","receipt_number":"r","amount_cents":100,"currency":"ABC"}',
    'invalid_request',
  ],
  [
    'turnover without customer',
    'loyalty/turnover',
    '{"transaction":"t8","receipt_number":"r","amount_cents":100,"currency":"EUR"}',
    'invalid_request',
  ],
  ['oversized payload', 'gateway/test_scan', Buffer.alloc(70_000, 0x20), 'invalid_request'],
  ['empty payload', 'gateway/test_scan', '', 'invalid_request'],
];

test('every malformed request gets exactly one error response with a stable code', async (t) => {
  const { client, responses } = await setup(t);
  for (const [, op, payload] of malformed) client.publish(`pos/T1/request/${op}`, payload, { qos: 1 });
  await responses.waitFor(malformed.length);
  await sleep(300); // nothing more may arrive
  t.is(responses.messages.length, malformed.length);
  for (const [name, op, , code] of malformed) {
    const matching = responses.messages.filter(
      (m) => m.topic === `pos/T1/response/${op}` && m.payload.error?.code === code,
    );
    t.true(matching.length >= 1, `${name}: expected ${code} on response/${op}`);
  }
  for (const m of responses.messages) {
    t.is(m.payload.status, 'error');
    t.is(typeof m.payload.error.message, 'string');
    t.is(m.payload.data, null);
  }
  const byTx = (tx: string) => responses.messages.find((m) => m.payload.transaction === tx)!;
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
  await sleep(200);
  t.is(scans.messages.length, 1);
  // Answers to different requests need not come in request order: a refusal is answered at once,
  // a repeat waits for the first run's answer.
  const answers = responses.messages.map((m) => m.payload);
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
  await sleep(100);
  t.is(responses.messages.length, 1);
  t.is(responses.messages[0]!.payload.error.code, 'not_found');
});
