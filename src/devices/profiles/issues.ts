// Turns zod issues into the loud, specific errors a technician can act on: file, JSON path, the value
// seen and what is allowed (STYLE: "every invalid setting listed with its path and the value seen").

import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

export interface ProfileError {
  /** The profile file (or directory) the error is about. */
  file: string;
  /** JSON path such as `match[0].transport`; `(root)` for the whole document. */
  path: string;
  /** One line: `<file>: <path>: <what was seen and what is allowed>`. */
  message: string;
}

export function profileError(file: string, path: string, detail: string): ProfileError {
  return { file, path, message: `${file}: ${path}: ${detail}` };
}

export function issuesToErrors(file: string, issues: readonly Issue[]): ProfileError[] {
  return issues
    .flatMap((issue) => describe(issue, []))
    .map((d) => profileError(file, formatPath(d.path), d.detail));
}

interface Described {
  path: PropertyKey[];
  detail: string;
}

function describe(issue: Issue, prefix: PropertyKey[]): Described[] {
  const path = [...prefix, ...issue.path];
  const seen = show(issue.input);
  switch (issue.code) {
    case 'invalid_type':
      return [
        {
          path,
          detail:
            issue.input === undefined
              ? `missing, expected ${issue.expected}`
              : `got ${seen}, expected ${issue.expected}`,
        },
      ];
    case 'invalid_value':
      return [{ path, detail: `got ${seen}, allowed: ${issue.values.map((v) => show(v)).join(' | ')}` }];
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        path: [...path, key],
        detail: 'unknown key (not in the profile schema)',
      }));
    case 'invalid_union':
      return describeUnion(issue, path, seen);
    case 'invalid_format':
      return [{ path, detail: `got ${seen}, expected ${issue.message}` }];
    case 'custom':
      return [{ path, detail: `got ${seen}: ${issue.message}` }];
    default:
      return [{ path, detail: `got ${seen}: ${issue.message}` }];
  }
}

// A union failed: if the value had the right shape for one alternative, that alternative's own errors
// are the useful ones (e.g. a bad offset inside an explicit HID POS layout); otherwise list them all.
function describeUnion(issue: Extract<Issue, { code: 'invalid_union' }>, path: PropertyKey[], seen: string) {
  const branches = issue.errors;
  const shapeMatched = branches.find((errs) =>
    errs.some((e) => e.path.length > 0 || (e.code !== 'invalid_type' && e.code !== 'invalid_value')),
  );
  if (shapeMatched) return shapeMatched.flatMap((e) => describe(e, path));
  const allowed = new Set<string>();
  for (const errs of branches) {
    for (const e of errs) {
      if (e.code === 'invalid_value') allowed.add(e.values.map((v) => show(v)).join(' | '));
      else if (e.code === 'invalid_type') allowed.add(withArticle(e.expected));
      else allowed.add(e.message);
    }
  }
  return [{ path, detail: `got ${seen}, allowed: ${[...allowed].join(', or ')}` }];
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

function withArticle(noun: string): string {
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
