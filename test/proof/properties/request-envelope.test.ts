// Properties of the request envelope (src/mqtt/envelope.ts) and the request router
// (src/mqtt/requests.ts): any payload bytes on any op topic get exactly one response, well formed,
// with a stable error code, whatever the handlers do; parsing never throws.
import assert from 'node:assert/strict';
import test from 'ava';
import fc from 'fast-check';
import { ERROR_CODES, type ErrorCode, GatewayError } from '../../../src/errors.ts';
import { createLogger } from '../../../src/log.ts';
import { parseRequest } from '../../../src/mqtt/envelope.ts';
import { OPS, type OpName } from '../../../src/mqtt/ops.ts';
import { createRequestRouter } from '../../../src/mqtt/requests.ts';
import { type ResponseEnvelope, responseSchema } from '../../../src/mqtt/topics.ts';
import { prove, proveAsync } from './prove.ts';

const subject = 'request envelope';
const opNames = Object.keys(OPS) as OpName[];
const errorCodes = Object.keys(ERROR_CODES) as ErrorCode[];
const MAX_BYTES = 4096;

const op = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...opNames) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'loyalty',
      'LOYALTY/IDENTIFY',
      'gateway/test_scan/x',
      '__proto__',
      'constructor',
    ),
  },
);

const transaction = fc.oneof(
  { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 40 }) },
  { weight: 2, arbitrary: fc.nat() },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      'x'.repeat(129),
      -1,
      1.5,
      2 ** 53,
      1e308,
      null,
      true,
      [],
      {},
      '\ud800',
      'a/b/#',
      '+',
    ),
  },
  { weight: 1, arbitrary: fc.jsonValue() },
);

// Argument values of every type the ops take, right and wrong, near the limits.
const value = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom(
    'EUR',
    'USD',
    'eur',
    'XXX',
    'manual',
    'scan',
    '2026-01-01T10:00:00+01:00',
    '+43 660 1234567',
    'a@b.example',
  ),
  fc.integer(),
  fc.constantFrom(0, -1, 100_000_000, 100_000_001, 1e308, -0, 0.5, Number.MAX_SAFE_INTEGER),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
  fc.jsonValue({ maxDepth: 2 }),
);
const argNames = [
  ...new Set(
    opNames.flatMap((name) => Object.keys((OPS[name] as unknown as { shape?: object }).shape ?? {})),
  ),
  'customer_ref',
  'code',
  'receipt_number',
  'amount_cents',
  'currency',
  'text',
  'unknown_field',
  '__proto__',
];
const requestObject = fc
  .record({
    tx: fc.option(transaction, { nil: undefined }),
    args: fc.dictionary(fc.constantFrom(...argNames), value, { maxKeys: 6 }),
  })
  .map(({ tx, args }) => (tx === undefined ? args : { transaction: tx, ...args }));

const payload = fc.oneof(
  { weight: 6, arbitrary: requestObject.map((o) => Buffer.from(JSON.stringify(o))) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? '')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 100 }).map((s) => Buffer.from(s)) },
  {
    weight: 1,
    arbitrary: fc
      .nat({ max: 3 * MAX_BYTES })
      .map((n) => Buffer.from(`{"transaction":"big","text":"${'x'.repeat(n)}"}`)),
  },
);

// Valid requests for every op, on a small pool of transactions so that replays and reuse with other
// arguments happen often.
const ref = fc.string({ minLength: 1, maxLength: 12 });
const validArgs: { [K in OpName]: fc.Arbitrary<Record<string, unknown>> } = {
  'loyalty/identify': fc.record(
    { code: ref, entry: fc.constantFrom('manual', 'scan') },
    { requiredKeys: ['code'] },
  ),
  'loyalty/redeem': fc.record(
    { customer_ref: ref, reward_id: ref, override: fc.boolean() },
    { requiredKeys: ['customer_ref', 'reward_id'] },
  ),
  'loyalty/turnover': fc.record({
    customer_ref: ref,
    receipt_number: ref,
    amount_cents: fc.integer({ min: 0, max: 100_000_000 }),
    currency: fc.constantFrom('EUR', 'CHF', 'USD'),
  }),
  'loyalty/reverse': fc.record({ original_transaction: fc.oneof(ref, fc.nat()) }),
  'loyalty/void_redemption': fc.record({ redemption_id: ref }),
  'loyalty/activate': fc.record({
    mobile: fc.constantFrom('+43 660 1234567', '0664/123456'),
    email: fc.constantFrom('a@b.example', 'x.y@z.example'),
  }),
  'gateway/test_scan': fc.record(
    { text: fc.string({ minLength: 1, maxLength: 40 }), device_id: ref },
    { requiredKeys: ['text'] },
  ),
};
const validRequest = fc.constantFrom(...opNames).chain((name) =>
  fc.record({ tx: fc.constantFrom('t1', 't2', 't3', 1, 2), args: validArgs[name] }).map(({ tx, args }) => ({
    op: name as string,
    payload: Buffer.from(JSON.stringify({ transaction: tx, ...args })),
  })),
);
const request = fc.oneof(fc.record({ op, payload }), validRequest);

function assertWellFormed(response: ResponseEnvelope) {
  assert.ok(responseSchema.safeParse(response).success, `malformed response ${JSON.stringify(response)}`);
  assert.deepEqual(JSON.parse(JSON.stringify(response)), JSON.parse(JSON.stringify(response)));
  if (response.status === 'error') {
    assert.ok(errorCodes.includes(response.error!.code as ErrorCode), `unknown code ${response.error!.code}`);
    assert.equal(response.data, null);
  } else assert.equal(response.error, undefined);
}

test('parseRequest never throws: a parsed request or a stable invalid_request / unknown_op', (t) => {
  prove(
    t,
    { subject, property: 'any op, any payload bytes: parsed or invalid_request/unknown_op', runs: 1000 },
    fc.record({ op, payload }),
    ({ op: name, payload: bytes }) => {
      const parsed = parseRequest(name, bytes, MAX_BYTES);
      if (parsed.ok) {
        assert.ok(opNames.includes(parsed.op));
        assert.ok(['string', 'number'].includes(typeof parsed.transaction));
        assert.ok(bytes.length <= MAX_BYTES);
      } else {
        assert.ok(parsed.code === 'invalid_request' || parsed.code === 'unknown_op', parsed.code);
        assert.equal(typeof parsed.message, 'string');
        if (bytes.length > MAX_BYTES) assert.equal(parsed.details?.reason, 'too_large');
      }
    },
  );
});

// What a handler may do: answer, answer late, refuse with a catalogue code, fail with anything.
type Behaviour =
  | { kind: 'ok'; data: unknown; late: boolean }
  | { kind: 'refuse'; code: ErrorCode; late: boolean }
  | { kind: 'throw'; thrown: unknown; late: boolean };
const behaviour: fc.Arbitrary<Behaviour> = fc.oneof(
  fc.record({
    kind: fc.constant('ok' as const),
    data: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
    late: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('refuse' as const),
    code: fc.constantFrom(...errorCodes),
    late: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('throw' as const),
    thrown: fc.oneof(
      fc.constant(new Error('boom')),
      fc.constant(new TypeError('x is undefined')),
      fc.constantFrom(undefined, null, 'a string', 42, { code: 'not_found' }),
    ),
    late: fc.boolean(),
  }),
);

function routerUnderTest(registered: OpName[], behaviours: Behaviour[]) {
  const responses: Array<{ op: string; response: ResponseEnvelope }> = [];
  let next = 0;
  const router = createRequestRouter({
    logger: createLogger({ level: 'debug', write: () => {} }),
    maxPayloadBytes: () => MAX_BYTES,
    respond: (name, response) => {
      responses.push({ op: name, response });
    },
  });
  const calls: unknown[] = [];
  for (const name of registered) {
    router.handle(name, async (args) => {
      calls.push(args);
      const b = behaviours[next++ % Math.max(1, behaviours.length)] ?? {
        kind: 'ok',
        data: null,
        late: false,
      };
      if (b.late) await new Promise((r) => setImmediate(r));
      if (b.kind === 'ok') return b.data;
      if (b.kind === 'refuse') throw new GatewayError(b.code, `refused: ${b.code}`);
      throw b.thrown;
    });
  }
  return { router, responses, calls };
}

const dispatchBatch = fc.record({
  registered: fc.subarray(opNames),
  behaviours: fc.array(behaviour, { maxLength: 10 }),
  requests: fc.array(request, { minLength: 1, maxLength: 25 }),
});

test('any requests, dispatched concurrently, whatever the handlers do: exactly one well-formed response each', async (t) => {
  await proveAsync(
    t,
    {
      subject: 'request router',
      property: 'concurrent requests, any handlers: one well-formed response each',
      runs: 300,
    },
    dispatchBatch,
    async ({ registered, behaviours, requests }) => {
      const { router, responses } = routerUnderTest(registered, behaviours);
      await Promise.all(requests.map((r) => router.dispatch(r.op, r.payload)));
      assert.equal(responses.length, requests.length, 'one response per request');
      for (const { response } of responses) assertWellFormed(response);
      // Every request's op topic got as many answers as it had requests.
      const count = (list: string[]) =>
        list.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>());
      assert.deepEqual(count(responses.map((r) => r.op)), count(requests.map((r) => r.op)));
    },
  );
});

const TRANSIENT = ['internal_error', 'unavailable', 'provider_unreachable', 'buffer_full'];

test('a request is answered for its own transaction; a replay gets the same answer and runs the handler once', async (t) => {
  await proveAsync(
    t,
    {
      subject: 'request router',
      property: 'sequential requests with replays: echoed transaction, same answer, one run',
      runs: 300,
    },
    // Requests sent again later (the till retrying) make replays common.
    fc
      .record({ batch: dispatchBatch, repeats: fc.array(fc.nat(), { maxLength: 15 }) })
      .map(({ batch, repeats }) => ({
        ...batch,
        requests: [...batch.requests, ...repeats.map((i) => batch.requests[i % batch.requests.length]!)],
      })),
    async ({ registered, behaviours, requests }) => {
      const { router, responses, calls } = routerUnderTest(registered, behaviours);
      const answered = new Map<string, { args: string; answer: ResponseEnvelope }>();
      for (const [i, r] of requests.entries()) {
        const parsed = parseRequest(r.op, r.payload, MAX_BYTES);
        const callsBefore = calls.length;
        await router.dispatch(r.op, r.payload);
        assert.equal(responses.length, i + 1, 'one response per request');
        const answer = responses[i]!.response;
        if (!parsed.ok) {
          assert.equal(answer.error?.code, parsed.code);
          assert.equal(calls.length, callsBefore, 'a refused request reaches no handler');
          continue;
        }
        assert.equal(answer.transaction, parsed.transaction, 'the transaction is echoed');
        const key = `${parsed.op} ${typeof parsed.transaction} ${parsed.transaction}`;
        const args = JSON.stringify(parsed.args);
        const first = answered.get(key);
        if (first !== undefined) {
          assert.equal(calls.length, callsBefore, 'an answered transaction never runs again');
          if (first.args === args) assert.deepEqual(answer, first.answer, 'a replay gets the first answer');
          else assert.equal(answer.error?.code, 'transaction_reused');
          continue;
        }
        if (!registered.includes(parsed.op)) {
          assert.equal(answer.error?.code, 'unavailable');
          continue;
        }
        assert.equal(calls.length, callsBefore + 1, 'the handler ran once');
        if (!TRANSIENT.includes(answer.error?.code ?? '')) answered.set(key, { args, answer });
      }
    },
  );
});
