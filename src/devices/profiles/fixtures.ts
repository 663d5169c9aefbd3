// Recorded test fixtures of a profile: hex dumps in firmware-config/profiles/fixtures/<profile>/*.hex.
// One line = one HID report, or one read from a serial port (so a split terminator is recorded as it
// arrived); `wait <ms>` records a pause; `#` starts a comment.

import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

export type FixtureStep = { kind: 'data'; bytes: Uint8Array } | { kind: 'wait'; ms: number };

export type FixtureParse = { ok: true; steps: FixtureStep[] } | { ok: false; error: string };

export function parseFixture(text: string): FixtureParse {
  const steps: FixtureStep[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const wait = /^wait\s+(\d{1,6})$/.exec(line);
    if (wait) {
      steps.push({ kind: 'wait', ms: Number(wait[1]) });
      continue;
    }
    const tokens = line.split(/\s+/);
    if (!tokens.every((t) => /^[0-9a-fA-F]{2}$/.test(t))) {
      return { ok: false, error: `line ${i + 1}: expected hex bytes like "02 1d 5d" or "wait 200"` };
    }
    steps.push({ kind: 'data', bytes: Uint8Array.from(tokens, (t) => Number.parseInt(t, 16)) });
  }
  if (!steps.some((s) => s.kind === 'data')) return { ok: false, error: 'no data lines' };
  return { ok: true, steps };
}

/** `file` is relative to the profiles directory, as in a profile's `tests.fixtures[].file`. */
export function readFixture(profilesDir: string, file: string): FixtureParse {
  if (isAbsolute(file) || file.split(/[\\/]/).includes('..')) {
    return { ok: false, error: 'fixture path must stay inside the profiles directory' };
  }
  let text: string;
  try {
    text = readFileSync(join(profilesDir, file), 'utf8');
  } catch (err) {
    return { ok: false, error: `cannot read fixture (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  return parseFixture(text);
}
