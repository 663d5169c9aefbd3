// A till's turnover is validated once, by the router against its op schema (src/mqtt/ops.ts); the
// handler then builds the provider request without the provider's own argument check
// (`purchaseRequest`). That is only sound while every turnover the till schema accepts also meets
// the provider's rules (`argsSchema.purchase`): this property checks it over inputs around each
// rule's edges, so a till rule made looser than the provider's fails here.
import test from 'ava';
import fc from 'fast-check';
import { purchaseArgs } from '../../src/loyalty/handlers/turnover.ts';
import { argsSchema, checkArgs, MAX_CODE_CHARS } from '../../src/loyalty/provider.ts';
import { parseRequest } from '../../src/mqtt/envelope.ts';

/** Mostly a value the rules allow, sometimes one at or past an edge (any characters, lengths). */
const edgy = <T>(usual: fc.Arbitrary<T>, edges: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 6, arbitrary: usual }, { weight: 1, arbitrary: edges });
const text = (max: number) =>
  edgy(
    fc.string({ minLength: 1, maxLength: max }),
    fc.oneof(
      fc.string({ unit: 'binary', maxLength: max + 2 }),
      fc.constantFrom('', ' ', 'a b', 'x'.repeat(max), 'x'.repeat(max + 1)),
    ),
  );
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const turnover = fc.record(
  {
    transaction: edgy(fc.oneof(text(128), fc.nat()), fc.oneof(fc.integer(), fc.double())),
    customer_ref: maybe(text(128)),
    code: maybe(edgy(text(MAX_CODE_CHARS), fc.constant('y'.repeat(2048)))),
    receipt_number: text(64),
    amount_cents: edgy(fc.integer({ min: 0, max: 100_000_000 }), fc.oneof(fc.integer(), fc.double())),
    currency: edgy(
      fc.constantFrom('EUR', 'CHF', 'GBP'),
      fc.oneof(fc.constantFrom('eur', 'XXX', 'EURO'), fc.string()),
    ),
    receipt_datetime: maybe(
      edgy(
        fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }).map((d) => d.toISOString()),
        fc.constantFrom('2026-12-01T10:00:00+01:00', '2026-12-01 10:00', 'yesterday'),
      ),
    ),
    redeemed: maybe(fc.array(text(128), { maxLength: 3 })),
  },
  { requiredKeys: ['receipt_number', 'amount_cents', 'currency'] },
);

test('every turnover the till schema accepts meets the provider’s argument rules', (t) => {
  let accepted = 0;
  fc.assert(
    fc.property(turnover, (body) => {
      const parsed = parseRequest('loyalty/turnover', Buffer.from(JSON.stringify(body)), 1 << 20);
      if (!parsed.ok || parsed.op !== 'loyalty/turnover') return;
      accepted++;
      const checked = checkArgs(argsSchema.purchase, purchaseArgs(parsed.args as never, parsed.transaction));
      if (!checked.ok) throw new Error(`accepted by the router, refused by the provider: ${checked.detail}`);
    }),
    { numRuns: 3000 },
  );
  // The generator reaches accepted turnovers often enough for the property to say something.
  t.true(accepted > 100, `only ${accepted} turnovers were accepted`);
});

test('a turnover whose transaction cannot be an Idempotency-Key is refused by the router', (t) => {
  for (const transaction of ['has space', 'tab\there', 'ünïcode']) {
    const parsed = parseRequest(
      'loyalty/turnover',
      Buffer.from(
        JSON.stringify({
          transaction,
          customer_ref: 'C-1',
          receipt_number: 'R-1',
          amount_cents: 100,
          currency: 'EUR',
        }),
      ),
      1 << 20,
    );
    t.like(parsed, { ok: false, code: 'invalid_request', transaction, details: { reason: 'schema' } });
  }
});
