// Runs one fast-check property inside an ava test and records its figure (test/proof/figures.ts).
// Predicates assert with node:assert: fast-check shrinks on the thrown error and reports the smallest
// counterexample with its seed, where ava's `t` would record every shrinking step as a failure.
import type { ExecutionContext } from 'ava';
import fc from 'fast-check';
import { fixedSeed, record, runScale } from '../figures.ts';

export interface PropertyMeta {
  subject: string;
  property: string;
  /** Runs inside `npm test` (a few seconds at most on the loaded 2-core machine); scaled by proof. */
  runs: number;
}

function params(meta: PropertyMeta): fc.Parameters<unknown> {
  return fixedSeed === undefined
    ? { numRuns: meta.runs * runScale }
    : { numRuns: meta.runs * runScale, seed: fixedSeed };
}

function finish(t: ExecutionContext, meta: PropertyMeta, details: fc.RunDetails<unknown>, slowestMs: number) {
  record({
    kind: 'property',
    subject: meta.subject,
    property: meta.property,
    runs: details.numRuns,
    failures: details.failed ? 1 : 0,
    seed: details.seed,
    slowestMs: Math.round(slowestMs * 10) / 10,
  });
  t.false(details.failed, fc.defaultReportMessage(details) ?? 'property failed');
  // Every run counted: a precondition that skips most inputs would prove nothing.
  t.is(details.numRuns, meta.runs * runScale, `${meta.property}: runs completed`);
}

export function prove<T>(
  t: ExecutionContext,
  meta: PropertyMeta,
  arbitrary: fc.Arbitrary<T>,
  predicate: (value: T) => void,
): void {
  let slowestMs = 0;
  const property = fc.property(arbitrary, (value) => {
    const started = performance.now();
    try {
      predicate(value);
    } finally {
      slowestMs = Math.max(slowestMs, performance.now() - started);
    }
  });
  finish(t, meta, fc.check(property, params(meta)), slowestMs);
}

export async function proveAsync<T>(
  t: ExecutionContext,
  meta: PropertyMeta,
  arbitrary: fc.Arbitrary<T>,
  predicate: (value: T) => Promise<void>,
): Promise<void> {
  let slowestMs = 0;
  const property = fc.asyncProperty(arbitrary, async (value) => {
    const started = performance.now();
    try {
      await predicate(value);
    } finally {
      slowestMs = Math.max(slowestMs, performance.now() - started);
    }
  });
  finish(t, meta, await fc.check(property, params(meta)), slowestMs);
}
