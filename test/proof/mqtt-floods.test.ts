// Floods of requests against a real gateway with real mqtt.js clients (bad-input corpus, MQTT
// floods): back to back from one till at QoS 0 and 1, from many tills at once, the same transaction
// over and over, and megabyte payloads. Each request gets exactly one answer with its code.
import type { ExecutionContext } from 'ava';
import test from 'ava';
import type { MqttClient } from 'mqtt';
import { connect, startTestGateway, topicMatches } from '../helpers/gateway.ts';
import { record } from './figures.ts';

const BASE = 'pos/T1';
const outcomes: Record<string, number> = {};
/** Titles of the flood tests whose answers were not exactly the expected ones. */
const failed = new Set<string>();
/** Titles of the flood tests that were checked: one scenario each. */
const checked = new Set<string>();

interface Answer {
  op: string;
  transaction: unknown;
  code: string;
  /** The answer's `data`, as JSON: replays must repeat it exactly. */
  data: string;
}

/** Every answer a client hears, in order, for a subscription to `filter` (all of the base, or
 * `response/#` only: tills do both). */
async function answersOf(client: MqttClient, filter: string) {
  const answers: Answer[] = [];
  const waiters = new Set<() => void>();
  client.on('message', (topic, payload) => {
    if (!topicMatches(`${BASE}/response/#`, topic)) return;
    const body = JSON.parse(payload.toString());
    answers.push({
      op: topic.slice(`${BASE}/response/`.length),
      transaction: body.transaction,
      code: body.status === 'ok' ? 'ok' : body.error.code,
      data: JSON.stringify(body.data),
    });
    for (const w of waiters) w();
  });
  await client.subscribeAsync(filter, { qos: 1 });
  return {
    answers,
    /** Resolves once the answer to `transaction` is in (a barrier when sent last). */
    until(transaction: string, timeoutMs = 60_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!answers.some((a) => a.transaction === transaction)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no answer to ${transaction} (${answers.length} answers so far)`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

interface Request {
  op: string;
  payload: string | Buffer;
  /** The answer expected: echoed transaction and code. */
  transaction: string | null;
  code: string;
}

/** A mix of what a busy till sends: test scans, and requests refused for each reason. */
function mixed(prefix: string, n: number): Request[] {
  const out: Request[] = [];
  for (let i = 0; i < n; i++) {
    const tx = `${prefix}-${i}`;
    switch (i % 5) {
      case 0:
      case 1:
        out.push({
          op: 'gateway/test_scan',
          payload: JSON.stringify({ transaction: tx, text: tx }),
          transaction: tx,
          code: 'ok',
        });
        break;
      case 2:
        out.push({
          op: 'gateway/test_scan',
          payload: `{"transaction":"${tx}",`,
          transaction: null,
          code: 'invalid_request',
        });
        break;
      case 3:
        out.push({
          op: 'gateway/no_such_op',
          payload: JSON.stringify({ transaction: tx }),
          transaction: tx,
          code: 'unknown_op',
        });
        break;
      default:
        out.push({
          op: 'loyalty/turnover',
          payload: JSON.stringify({
            transaction: tx,
            customer_ref: 'C-1001',
            receipt_number: tx,
            amount_cents: -1,
            currency: 'EUR',
          }),
          transaction: tx,
          code: 'invalid_request',
        });
    }
  }
  return out;
}

/** Compares the answers heard with the requests sent: each transaction exactly once with its
 * code, as many null-transaction answers as unparseable requests, nothing else. */
function check(t: ExecutionContext, label: string, requests: Request[], answers: Answer[]) {
  const problems: string[] = [];
  const byTx = new Map<unknown, Answer[]>();
  for (const a of answers) byTx.set(a.transaction, [...(byTx.get(a.transaction) ?? []), a]);
  for (const r of requests) {
    if (r.transaction === null) continue;
    const got = byTx.get(r.transaction) ?? [];
    if (got.length !== 1) problems.push(`${r.transaction}: ${got.length} answers`);
    else if (got[0]!.code !== r.code || got[0]!.op !== r.op)
      problems.push(`${r.transaction}: ${got[0]!.op} ${got[0]!.code}`);
  }
  const unparseable = requests.filter((r) => r.transaction === null).length;
  const nulls = byTx.get(null)?.length ?? 0;
  if (nulls !== unparseable)
    problems.push(`${nulls} answers without transaction for ${unparseable} unparseable requests`);
  const expected = requests.length;
  if (answers.length !== expected) problems.push(`${answers.length} answers for ${expected} requests`);
  for (const a of answers) outcomes[a.code] = (outcomes[a.code] ?? 0) + 1;
  checked.add(t.title);
  if (problems.length > 0) failed.add(t.title);
  t.deepEqual(problems.slice(0, 20), [], label);
}

async function gatewayAndTill(t: ExecutionContext) {
  t.timeout(180_000);
  const gw = await startTestGateway({ config: { till_id: 'T1' } });
  t.teardown(() => gw.stop());
  const till = await connect(gw.url);
  t.teardown(() => till.endAsync());
  return { gw, till };
}

const barrier = (id: string): Request => ({
  op: 'gateway/test_scan',
  payload: JSON.stringify({ transaction: id, text: id }),
  transaction: id,
  code: 'ok',
});

for (const [qos, filter] of [
  [0, `${BASE}/response/#`],
  [1, `${BASE}/response/#`],
  [0, `${BASE}/#`],
  [1, `${BASE}/#`],
] as const) {
  test.serial(
    `flood from one till: 400 requests back to back at QoS ${qos}, subscribed to ${filter.slice(BASE.length + 1)}`,
    async (t) => {
      const { till } = await gatewayAndTill(t);
      const heard = await answersOf(till, filter);
      const requests = [...mixed(`q${qos}`, 400), barrier('end')];
      for (const r of requests) till.publish(`${BASE}/request/${r.op}`, r.payload, { qos });
      await heard.until('end');
      check(t, `QoS ${qos} on ${filter}`, requests, heard.answers);
    },
  );
}

test.serial(
  'flood from 10 tills at once, 40 requests each: every till hears every answer exactly once',
  async (t) => {
    const { gw } = await gatewayAndTill(t);
    const tills = await Promise.all(Array.from({ length: 10 }, () => connect(gw.url)));
    t.teardown(() => Promise.all(tills.map((c) => c.endAsync())));
    const heard = await Promise.all(tills.map((c) => answersOf(c, `${BASE}/response/#`)));
    const perTill = tills.map((_, i) => mixed(`till${i}`, 40));
    await Promise.all(
      tills.map(async (c, i) => {
        for (const r of perTill[i]!)
          c.publish(`${BASE}/request/${r.op}`, r.payload, { qos: (i % 2) as 0 | 1 });
      }),
    );
    const all = perTill.flat();
    // Every till sees the answers to all tills (they share the base): wait for each till's last one.
    const lasts = perTill.map((reqs) => reqs.findLast((r) => r.transaction !== null)!.transaction!);
    await Promise.all(heard.map((h) => Promise.all(lasts.map((tx) => h.until(tx)))));
    // Then a barrier from the first till, heard by all.
    tills[0]!.publish(`${BASE}/request/gateway/test_scan`, barrier('many-end').payload, { qos: 1 });
    await Promise.all(heard.map((h) => h.until('many-end')));
    for (const [i, h] of heard.entries()) check(t, `till ${i}`, [...all, barrier('many-end')], h.answers);
  },
);

test.serial('the same transaction 100 times: 100 identical answers, one scan', async (t) => {
  const { till } = await gatewayAndTill(t);
  const heard = await answersOf(till, `${BASE}/response/#`);
  const scans: unknown[] = [];
  till.on('message', (topic, payload) => {
    if (topic === `${BASE}/scan`) scans.push(JSON.parse(payload.toString()));
  });
  await till.subscribeAsync(`${BASE}/scan`, { qos: 1 });
  const same: Request = barrier('again');
  const requests = Array.from({ length: 100 }, () => same);
  for (const r of requests) till.publish(`${BASE}/request/${r.op}`, r.payload, { qos: 1 });
  till.publish(`${BASE}/request/gateway/test_scan`, barrier('again-end').payload, { qos: 1 });
  await heard.until('again-end');
  const answers = heard.answers.filter((a) => a.transaction === 'again');
  const repeated = scans.filter((s: any) => s.text === 'again').length;
  outcomes.ok = (outcomes.ok ?? 0) + heard.answers.length;
  checked.add(t.title);
  const exact =
    heard.answers.length === 101 &&
    answers.length === 100 &&
    answers.every((a) => a.code === 'ok') &&
    new Set(answers.map((a) => a.data)).size === 1 &&
    repeated === 1;
  if (!exact) failed.add(t.title);
  t.is(heard.answers.length, 101);
  t.is(answers.length, 100);
  t.true(answers.every((a) => a.code === 'ok'));
  t.is(new Set(answers.map((a) => a.data)).size, 1, 'every replay carries the same scan_id');
  // The scan events are in before the barrier's answer: the gateway publishes in order.
  t.is(repeated, 1);
});

test.serial(
  '20 payloads of 1 MB back to back: 20 too_large answers, then a normal request is served',
  async (t) => {
    const { till } = await gatewayAndTill(t);
    const heard = await answersOf(till, `${BASE}/response/#`);
    const huge = Buffer.from(JSON.stringify({ transaction: 'huge', text: 'x'.repeat(1_048_576) }));
    const requests: Request[] = Array.from({ length: 20 }, () => ({
      op: 'gateway/test_scan',
      payload: huge,
      transaction: null,
      code: 'invalid_request',
    }));
    for (const r of requests) till.publish(`${BASE}/request/${r.op}`, r.payload, { qos: 1 });
    till.publish(`${BASE}/request/gateway/test_scan`, barrier('after-huge').payload, { qos: 1 });
    await heard.until('after-huge');
    check(t, '1 MB payloads', [...requests, barrier('after-huge')], heard.answers);
  },
);

test.after.always(() => {
  record({ kind: 'corpus', group: 'MQTT floods', cases: checked.size, outcomes, failures: failed.size });
});
