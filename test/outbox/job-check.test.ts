// The outbox job's rules are one zod schema (src/outbox/job-check.ts); enqueue runs a check compiled
// from it. These tests hold the compiled check to the schema's own verdict over inputs around every
// edge, and make sure a rule the compiler cannot hold is refused at compile time, not ignored.
import test from 'ava';
import fc from 'fast-check';
import { z } from 'zod';
import { compileTextFields, jobProblem, jobSchema } from '../../src/outbox/job-check.ts';

/** Strings around a length edge, or no string at all. */
const around = (max: number) =>
  fc.oneof(
    { weight: 8, arbitrary: fc.string({ minLength: 1, maxLength: 4 }) },
    fc.constantFrom('', 'x'.repeat(max), 'x'.repeat(max + 1), '😀'.repeat(Math.ceil(max / 2) + 1)),
    fc.string({ unit: 'binary', minLength: max - 2, maxLength: max + 2 }),
    fc.constantFrom(undefined, null, 7, true, {}, ['a']),
  );
const job = fc.record(
  {
    key: around(200),
    kind: around(64),
    orderKey: around(200),
    payload: fc.oneof(around(16), fc.constantFrom('p'.repeat(256 * 1024), 'p'.repeat(256 * 1024 + 1))),
    dependsOn: around(200),
    extra: fc.anything(),
  },
  { requiredKeys: [] },
);

test('the compiled job check gives the schema’s verdict on every input', (t) => {
  const fits = compileTextFields(jobSchema);
  const seen = { accepted: 0, refused: 0 };
  fc.assert(
    fc.property(fc.oneof({ weight: 9, arbitrary: job }, { weight: 1, arbitrary: fc.anything() }), (input) => {
      const verdict = jobSchema.safeParse(input).success;
      seen[verdict ? 'accepted' : 'refused']++;
      if (fits(input) !== verdict) throw new Error(`the schema says ${verdict}, the compiled check does not`);
    }),
    { numRuns: 5000 },
  );
  t.true(seen.accepted > 100, `only ${seen.accepted} jobs were accepted`);
  t.true(seen.refused > 100, `only ${seen.refused} jobs were refused`);
});

test('a schema rule the compiled check cannot hold is refused when compiling', (t) => {
  const cannot = {
    'a pattern': z.object({ a: z.string().regex(/^x$/) }),
    'a format': z.object({ a: z.email() }),
    'a number': z.object({ a: z.number() }),
    'a refinement of a field': z.object({ a: z.string().refine((s) => s !== 'x') }),
    'a rule across fields': z.object({ a: z.string(), b: z.string() }).refine((o) => o.a !== o.b),
    'a catch-all': z.object({ a: z.string() }).catchall(z.string()),
  };
  for (const [name, schema] of Object.entries(cannot)) {
    t.throws(
      () => compileTextFields(schema as unknown as z.ZodObject),
      { message: /compileTextFields/ },
      name,
    );
  }
});

test('a refused job is told by field and rule, never by its value', (t) => {
  const ok = { key: 'txn-1', kind: 'turnover', orderKey: 'cust-1', payload: '{"code":"SECRET-TOKEN"}' };
  t.is(jobProblem(ok), undefined);
  t.is(jobProblem({ ...ok, dependsOn: undefined }), undefined);
  t.is(
    jobProblem({ ...ok, key: 'k'.repeat(201) }),
    'key: got a string: Too big: expected string to have <=200 characters',
  );
  t.is(jobProblem({ ...ok, orderKey: 7 }), 'orderKey: got a number, expected string');
  t.is(jobProblem({ ...ok, dependsOn: 'txn-1' }), 'dependsOn: a job cannot depend on itself');
  const long = jobProblem({ ...ok, payload: `{"code":"SECRET-TOKEN"}${' '.repeat(256 * 1024)}` });
  t.regex(long ?? '', /^payload: got a string: Too big/);
  t.false(long?.includes('SECRET'));
});
