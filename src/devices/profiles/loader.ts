// Loads every profile in firmware-config/profiles/*.json, validated against the schema; each bad file
// is reported with file, JSON path, value seen and what is allowed, and skipped (DESIGN §6).

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deepFreeze } from '../../util/deep-freeze.ts';
import { readFixture } from './fixtures.ts';
import { issuesToErrors, type ProfileError, profileError } from './issues.ts';
import { type Profile, profileSchema } from './schema.ts';

/** The profiles shipped with the gateway. */
export const defaultProfilesDir = fileURLToPath(
  new URL('../../../firmware-config/profiles/', import.meta.url),
);

export interface LoadedProfiles {
  /** Valid profiles, sorted by file name, deep-frozen. */
  profiles: Profile[];
  errors: ProfileError[];
}

export function loadProfiles(dir: string = defaultProfilesDir): LoadedProfiles {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .sort();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return {
      profiles: [],
      errors: [profileError(dir, '(root)', `cannot read the profile directory (${code})`)],
    };
  }
  const profiles: Profile[] = [];
  const errors: ProfileError[] = [];
  const fileOfId = new Map<string, string>();
  for (const name of names) {
    const file = join(dir, name);
    const loaded = loadOne(dir, file);
    if (!loaded.ok) {
      errors.push(...loaded.errors);
      continue;
    }
    const first = fileOfId.get(loaded.profile.id);
    if (first !== undefined) {
      errors.push(
        profileError(file, 'id', `duplicate id "${loaded.profile.id}", already defined in ${first}`),
      );
      continue;
    }
    fileOfId.set(loaded.profile.id, file);
    profiles.push(deepFreeze(loaded.profile));
  }
  return { profiles, errors };
}

type LoadOne = { ok: true; profile: Profile } | { ok: false; errors: ProfileError[] };

function loadOne(dir: string, file: string): LoadOne {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    return {
      ok: false,
      errors: [profileError(file, '(root)', `not valid JSON (${(err as Error).message})`)],
    };
  }
  const parsed = profileSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) return { ok: false, errors: issuesToErrors(file, parsed.error.issues) };
  // A fixture named but missing is a broken profile: its replay test would silently prove nothing.
  const errors = parsed.data.tests.fixtures.flatMap((fixture, i) => {
    const read = readFixture(dir, fixture.file);
    return read.ok
      ? []
      : [profileError(file, `tests.fixtures[${i}].file`, `"${fixture.file}": ${read.error}`)];
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, profile: parsed.data };
}
