// The request envelope's transaction (src/mqtt/envelope.ts): the parse takes a plain transaction
// without running its schema (a string of 1-128 UTF-16 units, a safe integer ≥ 0); these tests hold
// that shortcut to the schema's own verdict, on its edges and on any value a till's JSON can carry.
import test from 'ava';
import fc from 'fast-check';
import { parseRequest } from '../../src/mqtt/envelope.ts';
import { transactionSchema } from '../../src/mqtt/ops.ts';

// An op whose transaction is not a provider key part: only the transaction's own rule applies.
const OP = 'gateway/test_scan';

/** What parseRequest makes of a request with this transaction: its echo, and whether it parsed. */
function parsed(transaction: unknown) {
  const r = parseRequest(OP, Buffer.from(JSON.stringify({ transaction, text: 'x' })), 4096);
  return { ok: r.ok, transaction: r.transaction };
}

/** The schema's verdict on the value as it arrives (through JSON, as a till sends it). */
function bySchema(transaction: unknown) {
  const arrived = (JSON.parse(JSON.stringify({ transaction })) as { transaction?: unknown }).transaction;
  const r = transactionSchema.safeParse(arrived);
  return { ok: r.success, transaction: r.success ? r.data : null };
}

const astral = '😀'; // one code point, two UTF-16 units

test('a transaction on the edges of its rule is taken or refused as its schema says', (t) => {
  const edges: unknown[] = [
    '',
    'a',
    'a'.repeat(128),
    'a'.repeat(129),
    astral.repeat(64),
    astral.repeat(128), // 256 units, 128 code points: the schema's to tell
    astral.repeat(129),
    `${'a'.repeat(127)}${astral}`,
    0,
    -0,
    1,
    -1,
    1.5,
    Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER + 1,
    1e300,
    true,
    null,
    undefined,
    [],
    {},
  ];
  for (const tx of edges) t.deepEqual(parsed(tx), bySchema(tx), `transaction ${JSON.stringify(tx)}`);
  // The edges above reach both verdicts, on both kinds of value.
  t.deepEqual(
    [parsed('a'.repeat(128)).ok, parsed('a'.repeat(129)).ok, parsed(astral.repeat(128)).ok, parsed(-1).ok],
    [true, false, true, false],
  );
});

test('any transaction a till can send is taken or refused as its schema says', (t) => {
  const anyTransaction = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 140 }),
    fc.string({ unit: 'grapheme', maxLength: 140 }),
    fc.integer({ min: -10, max: 10 }),
    fc.maxSafeInteger(),
    fc.double(),
    fc.constantFrom(true, false, null, [], {}),
  );
  fc.assert(
    fc.property(anyTransaction, (tx) => {
      const got = parsed(tx);
      const want = bySchema(tx);
      return got.ok === want.ok && Object.is(got.transaction, want.transaction);
    }),
    { numRuns: 2000 },
  );
  t.is(parsed(Number.MAX_SAFE_INTEGER).transaction, Number.MAX_SAFE_INTEGER);
});
