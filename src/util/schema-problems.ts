// The one formatter for schema errors (STYLE "loud, specific config errors", issue 8): every zod
// issue becomes a problem naming its path, the value seen and what is allowed, in the same words
// wherever it is shown — settings, device profiles, till requests, the provider's arguments, the
// outbox's options. Where the value may be personal or card data (a till's request, the provider's
// arguments) only its kind is shown, never its content.
import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

export interface SchemaProblem {
  /** The keys to the value, e.g. `['match', 0, 'transport']`. */
  keys: readonly PropertyKey[];
  /** The keys as one path: `match[0].transport`; the root label for the whole document. */
  path: string;
  /** The value seen: `"fast"`, `70000`, `nothing`, or only its kind (`a string`) when hidden. */
  seen: string;
  /** What is allowed: `expected number`, `allowed: "a" | "b"`, or the rule's own message. */
  allowed: string;
  /** Seen and allowed as one clause: `got "fast", expected number`. */
  detail: string;
}

export interface ProblemOptions {
  /** The validated input, to find the value seen when the issues do not carry it. */
  input?: unknown;
  /** `kind`: show only the value's kind — for input that may carry personal or card data. */
  values?: 'show' | 'kind';
  /** Paths whose values are secrets: shown as `[secret]`. */
  isSecret?: (keys: readonly PropertyKey[]) => boolean;
  /** Label of the whole document's path; default `(root)`. */
  root?: string;
  /** What an unknown key is not in; default `the schema`. */
  schemaName?: string;
}

export function schemaProblems(issues: readonly Issue[], opts: ProblemOptions = {}): SchemaProblem[] {
  return issues.flatMap((issue) => describe(issue, [], opts));
}

/** `path: detail; path: detail` — one line for a log field, an error message or an HTTP detail. */
export function formatSchemaProblems(problems: readonly SchemaProblem[]): string {
  return problems.map((p) => `${p.path}: ${p.detail}`).join('; ');
}

/** The problems of a failed parse, formatted: the common case in one call. */
export function schemaErrorText(error: z.ZodError, opts: ProblemOptions = {}): string {
  return formatSchemaProblems(schemaProblems(error.issues, opts));
}

export function formatPath(keys: readonly PropertyKey[], root = '(root)'): string {
  let out = '';
  for (const key of keys) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? root : out;
}

function describe(issue: Issue, prefix: readonly PropertyKey[], opts: ProblemOptions): SchemaProblem[] {
  const keys = [...prefix, ...issue.path];
  const value = 'input' in issue ? issue.input : valueAt(opts.input, keys);
  const seen = opts.isSecret?.(keys) && value !== undefined ? '[secret]' : show(value, opts.values);
  const problem = (allowed: string, detail: string, at = keys): SchemaProblem => ({
    keys: at,
    path: formatPath(at, opts.root),
    seen,
    allowed,
    detail,
  });
  switch (issue.code) {
    case 'invalid_type': {
      const allowed = `expected ${issue.expected}`;
      return [problem(allowed, value === undefined ? `missing, ${allowed}` : `got ${seen}, ${allowed}`)];
    }
    case 'invalid_value': {
      const allowed = `allowed: ${issue.values.map((v) => show(v)).join(' | ')}`;
      return [problem(allowed, `got ${seen}, ${allowed}`)];
    }
    case 'unrecognized_keys': {
      const allowed = `unknown key (not in ${opts.schemaName ?? 'the schema'})`;
      return issue.keys.map((key) => problem(allowed, allowed, [...keys, key]));
    }
    case 'invalid_union':
      return (
        describeUnion(issue, keys, seen, opts) ?? [problem(issue.message, `got ${seen}: ${issue.message}`)]
      );
    case 'invalid_format':
      // Our formats' messages name what is allowed ("an ISO 4217 code such as EUR"); zod's own
      // ("Invalid URL") say what is wrong, and read as such.
      if (!/^Invalid\b/.test(issue.message)) {
        return [problem(`expected ${issue.message}`, `got ${seen}, expected ${issue.message}`)];
      }
      return [problem(issue.message, `got ${seen}: ${issue.message}`)];
    default:
      return [problem(issue.message, `got ${seen}: ${issue.message}`)];
  }
}

// A union failed: if the value had the right shape for one alternative, that alternative's own errors
// are the useful ones (e.g. a bad offset inside an explicit HID POS layout); otherwise list them all.
function describeUnion(
  issue: Extract<Issue, { code: 'invalid_union' }>,
  keys: readonly PropertyKey[],
  seen: string,
  opts: ProblemOptions,
): SchemaProblem[] | undefined {
  const branches = issue.errors;
  if (branches.length === 0) return undefined;
  const shapeMatched = branches.find((errs) =>
    errs.some((e) => e.path.length > 0 || (e.code !== 'invalid_type' && e.code !== 'invalid_value')),
  );
  if (shapeMatched) return shapeMatched.flatMap((e) => describe(e, keys, opts));
  const alternatives = new Set<string>();
  for (const errs of branches) {
    for (const e of errs) {
      if (e.code === 'invalid_value') alternatives.add(e.values.map((v) => show(v)).join(' | '));
      else if (e.code === 'invalid_type') alternatives.add(withArticle(e.expected));
      else alternatives.add(e.message);
    }
  }
  const allowed = `allowed: ${[...alternatives].join(', or ')}`;
  return [{ keys, path: formatPath(keys, opts.root), seen, allowed, detail: `got ${seen}, ${allowed}` }];
}

function valueAt(input: unknown, keys: readonly PropertyKey[]): unknown {
  let cur = input;
  for (const k of keys) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

function withArticle(noun: string): string {
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}

function show(value: unknown, mode: 'show' | 'kind' = 'show'): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  if (mode === 'kind') return withArticle(typeof value);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
