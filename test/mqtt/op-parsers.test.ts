// The router's op parsers (src/mqtt/ops.ts `opParser`): each op's schema through z.compile. These
// tests hold a compiled parser to its schema's own parser on any request a till can send: the same
// verdict, the same parsed arguments (defaults and dropped keys alike) and the same issues, from
// which the till's error messages are written.
import test from 'ava';
import fc from 'fast-check';
import { MAX_CODE_CHARS, MAX_EMAIL_CHARS } from '../../src/loyalty/provider.ts';
import { OPS, type OpName, opParser } from '../../src/mqtt/ops.ts';

const opNames = Object.keys(OPS) as OpName[];

/** The schema's own parser and the compiled one, on the request as it arrives (through JSON). */
function both(op: OpName, request: unknown) {
  const arrived: unknown = JSON.parse(JSON.stringify(request));
  const verdict = (r: { success: boolean; data?: unknown; error?: { issues: unknown } }) =>
    r.success ? { ok: true, data: r.data } : { ok: false, issues: r.error?.issues };
  return { schema: verdict(OPS[op].safeParse(arrived)), compiled: verdict(opParser(op).safeParse(arrived)) };
}

// Argument values of every type the ops take, right and wrong, near their limits.
const value = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom(
    '',
    'x'.repeat(64),
    'x'.repeat(65),
    'x'.repeat(128),
    'x'.repeat(129),
    'x'.repeat(MAX_CODE_CHARS),
    'x'.repeat(MAX_CODE_CHARS + 1),
    'EUR',
    'eur',
    'XXX',
    'EURO',
    'manual',
    'scan',
    '2026-01-01T10:00:00+01:00',
    '2026-01-01T10:00:00.123Z',
    '2026-01-01T10:00:00',
    '2026-13-01T10:00:00Z',
    '+43 (660) 123-4567',
    '123',
    'a@b.example',
    `${'a'.repeat(MAX_EMAIL_CHARS)}@b.example`,
    'not an email',
    'T 1',
    '\ud800',
  ),
  fc.integer(),
  fc.constantFrom(0, -1, 100_000_000, 100_000_001, 1e308, -0, 0.5, Number.MAX_SAFE_INTEGER),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.integer()), { maxLength: 3 }),
  fc.constantFrom(
    [],
    Array.from({ length: 100 }, (_, i) => `R${i}`),
    Array.from({ length: 101 }, (_, i) => `R${i}`),
  ),
  fc.jsonValue({ maxDepth: 2 }),
);
const argNames = [
  ...new Set(opNames.flatMap((name) => Object.keys((OPS[name] as unknown as { shape: object }).shape))),
  'transaction',
  'unknown_field',
  '__proto__',
];
const request = fc.dictionary(fc.constantFrom(...argNames), value, { maxKeys: 8 });

/** A request each op takes: with a few of its fields changed, most runs reach a success too. */
const valid: Record<OpName, Record<string, unknown>> = {
  'loyalty/identify': { code: 'CODE-1' },
  'gateway/test_scan': { text: 'SCAN-1', device_id: 'dev-1' },
  'loyalty/redeem': { customer_ref: 'C-1', reward_id: 'RW-1', override: false },
  'loyalty/turnover': { customer_ref: 'C-1', receipt_number: 'R-1', amount_cents: 1999, currency: 'EUR' },
  'loyalty/reverse': { original_transaction: 'T-1' },
  'loyalty/void_redemption': { redemption_id: 'RD-1' },
  'loyalty/activate': { mobile: '+43 660 1234567', email: 'a@b.example' },
};
const nearValid = fc
  .record({
    op: fc.constantFrom(...opNames),
    changed: fc.dictionary(fc.constantFrom(...argNames), value, { maxKeys: 2 }),
  })
  .map(({ op, changed }) => ({ op, req: { ...valid[op], ...changed } }));

test('every op parser is its schema: same verdict, arguments and issues on any request', (t) => {
  let taken = 0;
  fc.assert(
    fc.property(
      fc.oneof(fc.record({ op: fc.constantFrom(...opNames), req: request }), nearValid),
      ({ op, req }) => {
        const { schema, compiled } = both(op, req);
        t.deepEqual(compiled, schema, `${op} ${JSON.stringify(req)}`);
        if (compiled.ok) taken++;
      },
    ),
    { numRuns: 4000 },
  );
  // Both sides of the verdict were held to the schema.
  t.true(taken > 500 && taken < 3500, `${taken} of 4000 taken`);
});

test('a turnover near its rules parses as its schema says, the good ones taken', (t) => {
  const good = { customer_ref: 'C-1', receipt_number: 'R-1', amount_cents: 1999, currency: 'EUR' };
  const requests: Record<string, unknown>[] = [
    good,
    { ...good, transaction: 'T-1', till: 'extra' },
    { ...good, customer_ref: undefined, code: 'CODE-1' },
    { ...good, customer_ref: undefined },
    { ...good, receipt_datetime: '2026-12-02T10:15:00+01:00', redeemed: ['RW-1', 'RW-2'] },
    { ...good, receipt_datetime: '2026-12-02T10:15:00' },
    { ...good, currency: 'XXX' },
    { ...good, currency: 'eur' },
    { ...good, amount_cents: 19.99 },
    { ...good, amount_cents: '1999' },
    { ...good, redeemed: [''] },
    {},
  ];
  for (const req of requests) {
    const { schema, compiled } = both('loyalty/turnover', req);
    t.deepEqual(compiled, schema, JSON.stringify(req));
  }
  t.deepEqual(
    requests.map((r) => both('loyalty/turnover', r).compiled.ok),
    [true, true, true, false, true, false, false, false, false, false, false, false],
  );
});
