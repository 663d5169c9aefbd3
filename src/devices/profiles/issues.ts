// A profile file's errors, the loud and specific kind a technician can act on: file, JSON path, the
// value seen and what is allowed (worded by the one schema formatter, src/util/schema-problems.ts).
import type { z } from 'zod';
import { schemaProblems } from '../../util/schema-problems.ts';

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

export function issuesToErrors(file: string, issues: readonly z.core.$ZodIssue[]): ProfileError[] {
  return schemaProblems(issues, { schemaName: 'the profile schema' }).map((p) =>
    profileError(file, p.path, p.detail),
  );
}
