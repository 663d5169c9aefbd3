// An outbox job's rules, stated once: the zod schema below. The enqueue path does not parse with it:
// enqueue is on the path every till turnover waits for, and a zod parse cost ~2 KB of garbage per
// request (issue 7 item 5). It runs a check compiled from the same schema once, at load, that
// allocates nothing; only a refused job is parsed, for the words of its refusal (the field and the
// rule, never the value: a payload is a provider request). test/outbox/job-check.test.ts holds the
// compiled check to the schema's verdict.
import { z } from 'zod';
import { schemaErrorText } from '../util/schema-problems.ts';

const MAX_PAYLOAD_CHARS = 256 * 1024;

const text = (max: number) => z.string().min(1).max(max);
export const jobSchema = z.object({
  key: text(200),
  kind: text(64),
  orderKey: text(200),
  payload: z.string().max(MAX_PAYLOAD_CHARS),
  dependsOn: text(200).optional(),
});

interface TextField {
  readonly name: string;
  readonly optional: boolean;
  readonly min: number;
  readonly max: number;
}

/**
 * The verdict of `schema.safeParse(input).success`, without a parse: for an object schema whose
 * fields are strings with length bounds (in code points, as zod counts), optional or not (extra
 * keys allowed, as zod strips them).
 * Any other rule throws here, at load, so a rule added to the schema that this check cannot hold
 * never passes unchecked.
 */
export function compileTextFields(schema: z.ZodObject): (input: unknown) => boolean {
  const def = schema._zod.def;
  if (def.checks?.length || def.catchall !== undefined) {
    throw new Error('compileTextFields: object-level rules are not supported');
  }
  const fields: TextField[] = Object.entries(schema.shape).map(([name, field]) => {
    const optional = field instanceof z.ZodOptional;
    const inner = optional ? field.unwrap() : field;
    const rules = inner instanceof z.ZodString ? (inner._zod.def.checks ?? []) : undefined;
    const lengthsOnly = rules?.every((r) => ['min_length', 'max_length'].includes(r._zod.def.check));
    if (!(inner instanceof z.ZodString) || !lengthsOnly) {
      throw new Error(`compileTextFields: ${name} is not a string with length bounds only`);
    }
    return { name, optional, min: inner.minLength ?? 0, max: inner.maxLength ?? Number.POSITIVE_INFINITY };
  });
  return (input) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return false;
    const o = input as Record<string, unknown>;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      const v = o[f.name];
      if (v === undefined && f.optional) continue;
      if (typeof v !== 'string') return false;
      // zod measures strings in code points; a code point is one or two UTF-16 units, so units
      // decide except for a string over the bound in units or under twice the floor.
      if (v.length > f.max && codePoints(v) > f.max) return false;
      if (v.length < 2 * f.min && codePoints(v) < f.min) return false;
    }
    return true;
  };
}

/** Unicode code points in `s` (a surrogate pair counts once, a lone surrogate once), as zod counts. */
function codePoints(s: string): number {
  let count = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    if ((s.charCodeAt(i) & 0xfc00) === 0xd800 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      count--;
      i++;
    }
  }
  return count;
}

const jobFits = compileTextFields(jobSchema);

/** Why a job cannot be stored, or undefined when it can. */
export function jobProblem(input: unknown): string | undefined {
  if (!jobFits(input)) {
    const parsed = jobSchema.safeParse(input);
    // The compiled check and the schema agree (the test holds them to it); were they ever not to,
    // the job is still refused rather than stored unchecked.
    if (parsed.success) return 'job: refused by the compiled check of its schema';
    return schemaErrorText(parsed.error, { input, values: 'kind', root: 'job' });
  }
  const job = input as { key: string; dependsOn?: string };
  // Across two fields, so not a field rule of the schema.
  if (job.dependsOn === job.key) return 'dependsOn: a job cannot depend on itself';
  return undefined;
}
