// A till's write is validated once, by the router against its op schema (src/mqtt/ops.ts); the
// handler then builds the provider request without the provider's own argument check (the
// `*Request` builders, fed by src/loyalty/till-args.ts). That is only sound while every request the
// till schema accepts also meets the provider's rules (`argsSchema`): these properties check it per
// op over inputs around each rule's edges, so a till rule made looser than the provider's fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import fc from 'fast-check';
import type { z } from 'zod';
import { argsSchema, checkArgs, MAX_CODE_CHARS, MAX_EMAIL_CHARS } from '../../src/loyalty/provider.ts';
import {
  activationArgs,
  purchaseArgs,
  redemptionArgs,
  reverseByTransaction,
  voidCall,
} from '../../src/loyalty/till-args.ts';
import { parseRequest } from '../../src/mqtt/envelope.ts';
import { KEYED_OPS, OPS, type OpName, type Transaction } from '../../src/mqtt/ops.ts';

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
const transaction = edgy(fc.oneof(text(128), fc.nat()), fc.oneof(fc.integer(), fc.double()));

/**
 * Feeds bodies through the router; each one it accepts is converted as its handler does and must
 * pass the provider's schema. Returns how many were accepted and refused, so a test can tell that
 * the generator reached both sides of the rules.
 */
function routerAcceptsOnlyWhatProviderAccepts(
  op: OpName,
  bodies: fc.Arbitrary<Record<string, unknown>>,
  schema: z.ZodType,
  convert: (args: Record<string, unknown>, tx: Transaction) => unknown,
) {
  const seen = { accepted: 0, refused: 0 };
  fc.assert(
    fc.property(bodies, (body) => {
      const parsed = parseRequest(op, Buffer.from(JSON.stringify(body)), 1 << 20);
      if (!parsed.ok) {
        seen.refused++;
        return;
      }
      seen.accepted++;
      const checked = checkArgs(schema, convert(parsed.args, parsed.transaction));
      if (!checked.ok) throw new Error(`accepted by the router, refused by the provider: ${checked.detail}`);
    }),
    { numRuns: 3000 },
  );
  return seen;
}

const turnover = fc.record(
  {
    transaction,
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

const redeem = fc.record(
  {
    transaction,
    customer_ref: text(128),
    reward_id: text(128),
    override: maybe(edgy(fc.boolean(), fc.constantFrom('yes', 1, null))),
  },
  { requiredKeys: ['transaction'] },
);

const reverse = fc.record({
  transaction,
  original_transaction: edgy(fc.oneof(text(128), fc.integer()), fc.oneof(fc.double(), fc.constant(null))),
});

const voidRedemption = fc.record({ transaction, redemption_id: text(128) });

const local = fc.stringMatching(/^[a-z0-9._%+-]{1,64}$/);
const activate = fc.record({
  transaction,
  mobile: edgy(
    fc.stringMatching(/^\+?[0-9]{6,15}$/),
    fc.oneof(fc.constantFrom('+41 79 123 45 67', '(079) 123-4567', '12345', 'x'.repeat(33)), fc.string()),
  ),
  email: edgy(
    fc.tuple(local, fc.domain()).map(([l, d]) => `${l}@${d}`),
    fc.oneof(
      // Around the provider's length limit: a valid address of MAX_EMAIL_CHARS characters and one more.
      fc.constantFrom(0, 1).map((extra) => `${'a'.repeat(MAX_EMAIL_CHARS - 12 + extra)}@example.com`),
      fc.constantFrom('no-at-sign', 'a@b', '@example.com'),
      fc.string(),
    ),
  ),
});

const cases = [
  ['loyalty/turnover', turnover, argsSchema.purchase, purchaseArgs],
  ['loyalty/redeem', redeem, argsSchema.redemption, redemptionArgs],
  ['loyalty/reverse', reverse, argsSchema.reverse, reverseByTransaction],
  ['loyalty/void_redemption', voidRedemption, argsSchema.void, voidCall],
  ['loyalty/activate', activate, argsSchema.activation, activationArgs],
] as const;

for (const [op, bodies, schema, convert] of cases) {
  test(`every ${op} the till schema accepts meets the provider’s argument rules`, (t) => {
    const seen = routerAcceptsOnlyWhatProviderAccepts(
      op,
      bodies as fc.Arbitrary<Record<string, unknown>>,
      schema,
      convert as unknown as (args: Record<string, unknown>, tx: Transaction) => unknown,
    );
    // The generator reaches both sides of the rules often enough for the property to say something.
    t.true(seen.accepted > 100, `only ${seen.accepted} requests were accepted`);
    t.true(seen.refused > 100, `only ${seen.refused} requests were refused`);
  });
}

test('every write of the op registry has its property above, and only the writes are keyed', (t) => {
  t.deepEqual(cases.map(([op]) => op).sort(), [...KEYED_OPS].sort());
  t.deepEqual([...KEYED_OPS].sort(), [
    'loyalty/activate',
    'loyalty/redeem',
    'loyalty/reverse',
    'loyalty/turnover',
    'loyalty/void_redemption',
  ]);
});

// One valid body per op (a Record over every op name: a new op does not compile here without one).
const VALID: Record<OpName, Record<string, unknown>> = {
  'loyalty/identify': { code: 'HA-K7QW3MZD5RTXP2LN' },
  'gateway/test_scan': { text: '4006381333931' },
  'loyalty/turnover': { customer_ref: 'C-1', receipt_number: 'R-1', amount_cents: 100, currency: 'EUR' },
  'loyalty/redeem': { customer_ref: 'C-1', reward_id: 'RW-1' },
  'loyalty/reverse': { original_transaction: 't-1' },
  'loyalty/void_redemption': { redemption_id: 'RD-1' },
  'loyalty/activate': { mobile: '+41791234567', email: 'a@example.com' },
};

test('a transaction that cannot be an Idempotency-Key is refused for every write and accepted for the reads', (t) => {
  for (const op of Object.keys(OPS) as OpName[]) {
    const parse = (transaction: Transaction) =>
      parseRequest(op, Buffer.from(JSON.stringify({ transaction, ...VALID[op] })), 1 << 20);
    t.like(parse('t-ok-1'), { ok: true }, `${op}: the valid body is accepted`);
    for (const transaction of ['has space', 'tab\there', 'ünïcode']) {
      if (KEYED_OPS.has(op)) {
        t.like(
          parse(transaction),
          {
            ok: false,
            code: 'invalid_request',
            transaction,
            details: { fields: { transaction: 'invalid' } },
          },
          `${op} refuses ${JSON.stringify(transaction)}`,
        );
      } else {
        t.like(parse(transaction), { ok: true, transaction }, `${op} pairs any transaction with its answer`);
      }
    }
  }
});

test('only the till conversions and the provider’s own check make Checked arguments', (t) => {
  // The `*Request` builders trust `Checked<T>`; the properties above cover the conversions in
  // src/loyalty/till-args.ts, so no other module may make one without checking.
  const root = fileURLToPath(new URL('../../src/', import.meta.url));
  const callers = readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && readFileSync(join(root, f), 'utf8').includes('assumeChecked('))
    .sort();
  t.deepEqual(callers, ['loyalty/provider.ts', 'loyalty/till-args.ts']);
});
