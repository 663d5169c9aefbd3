// The MQTT half of the bad-input corpus (test/proof/corpus/mqtt-requests.ts) against a real gateway
// with real mqtt.js clients: each request, sent one at a time, gets exactly one answer on its
// response topic with the expected status and code; nothing a case marks secret shows up in a log
// line or an MQTT message.
import test from 'ava';
import { responseSchema } from '../../src/mqtt/topics.ts';
import { connect, recorder, startTestGateway } from '../helpers/gateway.ts';
import { type MqttCase, mqttCases } from './corpus/mqtt-requests.ts';
import { record } from './figures.ts';

function encode(c: MqttCase, tx: string): Buffer {
  const p = c.payload;
  if ('raw' in p) return Buffer.from(p.raw, 'utf8');
  if ('bytes' in p) return p.bytes;
  return Buffer.from(JSON.stringify('transaction' in p.json ? p.json : { transaction: tx, ...p.json }));
}

function expectedEcho(c: MqttCase, tx: string): unknown {
  if (c.echo !== undefined) return c.echo;
  return 'json' in c.payload && !('transaction' in c.payload.json) ? tx : null;
}

/** What went wrong with one answer, or undefined when it is exactly the expected one. */
function mismatch(c: MqttCase, tx: string, got: { topic: string; payload: any }): string | undefined {
  const body = got.payload;
  const problems: string[] = [];
  if (got.topic !== `pos/T1/response/${c.op}`) problems.push(`topic ${got.topic}`);
  if (!responseSchema.safeParse(body).success) problems.push('not a response envelope');
  if (body?.transaction !== expectedEcho(c, tx))
    problems.push(`transaction ${JSON.stringify(body?.transaction)}`);
  if (body?.status !== c.expect.status) problems.push(`status ${body?.status} (${body?.error?.code})`);
  if (c.expect.status === 'error') {
    if (body?.error?.code !== c.expect.code) problems.push(`code ${body?.error?.code}`);
    if (c.expect.reason !== undefined && body?.error?.details?.reason !== c.expect.reason)
      problems.push(`reason ${body?.error?.details?.reason}`);
    if (body?.data !== null) problems.push('data on an error');
  } else {
    for (const [k, v] of Object.entries(c.expect.data ?? {}))
      if (JSON.stringify(body?.data?.[k]) !== JSON.stringify(v))
        problems.push(`data.${k} ${JSON.stringify(body?.data?.[k])}`);
  }
  return problems.length === 0 ? undefined : `${c.name}: ${problems.join(', ')}`;
}

const outcomeOf = (body: any) => (body?.status === 'ok' ? 'ok' : String(body?.error?.code));

test(`MQTT corpus: ${mqttCases.length} bad and good requests, exactly one expected answer each, no secret kept`, async (t) => {
  t.timeout(180_000);
  const gw = await startTestGateway({ config: { till_id: 'T1' } });
  t.teardown(() => gw.stop());
  const till = await connect(gw.url);
  t.teardown(() => till.endAsync());
  // A second client records everything below the base, to search it for secrets afterwards.
  const spy = await connect(gw.url);
  t.teardown(() => spy.endAsync());
  const traffic = await recorder(spy, 'pos/T1/#');
  const responses = await recorder(till, 'pos/T1/response/#');

  const failures: string[] = [];
  const outcomes: Record<string, number> = {};
  for (const [i, c] of mqttCases.entries()) {
    const tx = `case-${i}`;
    await till.publishAsync(`pos/T1/request/${c.op}`, encode(c, tx), { qos: c.qos ?? 1 });
    try {
      await responses.waitFor(i + 1, 15_000);
    } catch {
      failures.push(`${c.name}: no answer`);
      break; // answers no longer line up with cases
    }
    const got = responses.messages[i]!;
    outcomes[outcomeOf(got.payload)] = (outcomes[outcomeOf(got.payload)] ?? 0) + 1;
    const wrong = mismatch(c, tx, got);
    if (wrong) failures.push(wrong);
  }

  // Barrier: the answer to one more request comes after any late duplicate of the earlier ones.
  await till.publishAsync(
    'pos/T1/request/gateway/test_scan',
    JSON.stringify({ transaction: 'barrier', text: 'B' }),
    {
      qos: 1,
    },
  );
  await responses.until((m) => m.payload?.transaction === 'barrier', 15_000);
  await traffic.until((m) => m.payload?.transaction === 'barrier', 15_000);
  const extra = responses.messages.length - (mqttCases.length + 1);
  if (extra !== 0) failures.push(`${extra} answers more than requests`);

  const logs = gw.lines.join('\n');
  // A request's own bytes are on the request topic the spy also hears: only the gateway's
  // publishes count.
  const published = traffic.messages
    .filter((m) => !m.topic.startsWith('pos/T1/request/'))
    .map((m) => `${m.topic} ${JSON.stringify(m.payload)}`)
    .join('\n');
  for (const c of mqttCases) {
    for (const secret of c.secret ?? []) {
      if (logs.includes(secret)) failures.push(`${c.name}: '${secret}' in a log line`);
      if (published.includes(secret)) failures.push(`${c.name}: '${secret}' published`);
    }
  }

  record({
    kind: 'corpus',
    group: 'MQTT requests',
    cases: mqttCases.length,
    outcomes,
    failures: failures.length,
  });
  t.deepEqual(failures, []);
  t.is(responses.messages.length, mqttCases.length + 1);
});
