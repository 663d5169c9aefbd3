// DESIGN §3: every request gets exactly one response whatever the client does — QoS 0 or 1, a
// subscription to the whole base or to `response/#` only, requests sent back to back without
// waiting (issue 7: a till on `pos/<till>/#` publishing at QoS 0 heard 4 of 29 error answers).
// One real gateway (embedded aedes), one real mqtt.js connection per case, counted per transaction.
import test from 'ava';
import type { MqttClient } from 'mqtt';
import { SEED } from '../../src/loyalty/simulator/index.ts';
import { connect, startTestGateway, type TestGateway, topicMatches } from '../helpers/gateway.ts';

const BASE = 'pos/T1';
const REQUESTS = 60;

interface Sent {
  op: string;
  payload: string;
  /** null: the payload carries no usable transaction, so its answer carries none either. */
  transaction: string | null;
  expect: { status: 'ok' } | { status: 'error'; code: string };
  scanText?: string;
  qos: 0 | 1;
}

/** A burst that mixes answers given at once (refusals) with answers given after I/O (a booking). */
function burst(tag: string, qosOf: (i: number) => 0 | 1): Sent[] {
  const out: Sent[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const transaction = `${tag}-${i}`;
    const qos = qosOf(i);
    const json = (op: string, body: object, expect: Sent['expect'], scanText?: string): Sent => ({
      op,
      payload: JSON.stringify({ transaction, ...body }),
      transaction,
      expect,
      qos,
      ...(scanText ? { scanText } : {}),
    });
    switch (i % 6) {
      case 0:
        out.push(
          json('gateway/test_scan', { text: `SCAN-${transaction}` }, { status: 'ok' }, `SCAN-${transaction}`),
        );
        break;
      case 1:
        out.push(
          json(
            'loyalty/turnover',
            {
              customer_ref: SEED.customers.regular.ref,
              receipt_number: `R-${transaction}`,
              amount_cents: 1000 + i,
              currency: 'EUR',
            },
            { status: 'ok' },
          ),
        );
        break;
      case 2:
        out.push(json('gateway/test_scan', { text: 42 }, { status: 'error', code: 'invalid_request' }));
        break;
      case 3:
        out.push(json('gateway/self_destruct', {}, { status: 'error', code: 'unknown_op' }));
        break;
      case 4:
        out.push(
          json(
            'loyalty/turnover',
            { customer_ref: 'C-1', receipt_number: 'r', amount_cents: -5, currency: 'EUR' },
            { status: 'error', code: 'invalid_request' },
          ),
        );
        break;
      default:
        out.push({
          op: 'gateway/test_scan',
          payload: `{"transaction":"${transaction}", `,
          transaction: null,
          expect: { status: 'error', code: 'invalid_request' },
          qos,
        });
    }
  }
  return out;
}

interface Heard {
  topic: string;
  payload: any;
}

function listen(client: MqttClient, filter: string): Heard[] {
  const heard: Heard[] = [];
  client.on('message', (topic, payload) => {
    if (!topicMatches(filter, topic)) return;
    let body: unknown;
    try {
      body = JSON.parse(payload.toString());
    } catch {
      body = payload.toString();
    }
    heard.push({ topic, payload: body });
  });
  return heard;
}

async function until(cond: () => boolean, what: () => string, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let gw: TestGateway;
test.before(async () => {
  gw = await startTestGateway({ config: { till_id: 'T1' } });
});
test.after.always(() => gw?.stop());

type Shape = 'whole base' | 'response/# only' | 'whole base and response/# (overlapping)';
const filtersOf: Record<Shape, string[]> = {
  'whole base': [`${BASE}/#`],
  'response/# only': [`${BASE}/response/#`],
  'whole base and response/# (overlapping)': [`${BASE}/#`, `${BASE}/response/#`],
};
const qosPlans: Record<string, (i: number) => 0 | 1> = {
  'QoS 0': () => 0,
  'QoS 1': () => 1,
  'QoS 0 and 1 interleaved': (i) => (i % 2 === 0 ? 0 : 1),
};

let caseNo = 0;
for (const shape of Object.keys(filtersOf) as Shape[]) {
  for (const [plan, qosOf] of Object.entries(qosPlans)) {
    for (const subQos of [0, 1] as const) {
      const tag = `c${++caseNo}`;
      test.serial(
        `${REQUESTS} mixed requests at ${plan}, subscribed to ${shape} at QoS ${subQos}: exactly one answer each`,
        async (t) => {
          t.timeout(60_000);
          const till = await connect(gw.url);
          t.teardown(() => till.endAsync());
          const responses = listen(till, `${BASE}/response/#`);
          const scans = listen(till, `${BASE}/scan`);
          for (const f of filtersOf[shape]) {
            const [granted] = await till.subscribeAsync(f, { qos: subQos });
            t.is(granted!.qos, subQos, f);
          }
          const sent = burst(tag, qosOf);
          // Back to back, without waiting for any answer or acknowledgement.
          for (const s of sent) till.publish(`${BASE}/request/${s.op}`, s.payload, { qos: s.qos });
          const withTx = sent.filter((s) => s.transaction !== null);
          const mine = () =>
            responses.filter(
              (r) =>
                /^c\d+-\d+$/.test(String(r.payload.transaction)) &&
                r.payload.transaction.startsWith(`${tag}-`),
            );
          const nulls = () => responses.filter((r) => r.payload.transaction === null);
          const missing = () =>
            withTx
              .filter((s) => !responses.some((r) => r.payload.transaction === s.transaction))
              .map((s) => s.transaction);
          await until(
            () => mine().length >= withTx.length && nulls().length >= sent.length - withTx.length,
            () =>
              `answers heard ${mine().length}/${withTx.length} with a transaction, ${nulls().length}/${
                sent.length - withTx.length
              } without; missing ${missing().join(',')}`,
          );
          // A fence: one more request answered after the burst, so a doubled answer has had its turn.
          till.publish(
            `${BASE}/request/gateway/test_scan`,
            JSON.stringify({ transaction: `${tag}-fence`, text: 'F' }),
            {
              qos: 1,
            },
          );
          await until(
            () => responses.some((r) => r.payload.transaction === `${tag}-fence`),
            () => 'fence answer',
          );

          for (const s of withTx) {
            const answers = responses.filter((r) => r.payload.transaction === s.transaction);
            t.is(answers.length, 1, `${s.transaction} (${s.op}) answered ${answers.length} times`);
            const a = answers[0]!;
            t.is(a.topic, `${BASE}/response/${s.op}`, s.transaction!);
            t.is(a.payload.status, s.expect.status, s.transaction!);
            if (s.expect.status === 'error') t.is(a.payload.error?.code, s.expect.code, s.transaction!);
          }
          t.is(nulls().length, sent.length - withTx.length, 'answers without a transaction');
          t.true(
            nulls().every((r) => r.payload.error?.code === 'invalid_request'),
            'answers without a transaction',
          );
          t.is(mine().length, withTx.length, 'no answer besides one per transaction');

          // Scan events are the other message a test scan causes; the whole base hears each once.
          const hearsScans = filtersOf[shape].includes(`${BASE}/#`);
          for (const s of sent.filter((x) => x.scanText)) {
            const heard = scans.filter((m) => m.payload.text === s.scanText).length;
            t.is(heard, hearsScans ? 1 : 0, `scan ${s.scanText}`);
          }
        },
      );
    }
  }
}

test.serial(
  "the gateway's own messages published in one tick, retained and not, each reach a whole-base till once",
  async (t) => {
    const till = await connect(gw.url);
    t.teardown(() => till.endAsync());
    const heard = listen(till, `${BASE}/#`);
    await till.subscribeAsync(`${BASE}/#`, { qos: 1 });
    const N = 20;
    // Retained messages take a longer path through aedes than plain ones; one must not hide the other.
    await Promise.all(
      Array.from({ length: N }, (_, i) => [
        gw.gateway.publish(
          'deviceAvailability',
          { state: i % 2 ? 'online' : 'offline' },
          { device_id: `d${i}` },
        ),
        gw.gateway.publish('bookedEvent', { transaction: `own-${i}`, points_earned: 1, points_balance: i }),
      ]).flat(),
    );
    const ours = () => heard.filter((m) => /\/device\/d\d+\/availability$|\/event\//.test(m.topic));
    await until(
      () => ours().length >= 2 * N,
      () => `heard ${ours().length}/${2 * N}`,
    );
    for (let i = 0; i < N; i++) {
      t.is(
        heard.filter((m) => m.topic === `${BASE}/device/d${i}/availability`).length,
        1,
        `availability d${i}`,
      );
      t.is(heard.filter((m) => m.payload.transaction === `own-${i}`).length, 1, `event own-${i}`);
    }
  },
);
