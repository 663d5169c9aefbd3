// Every bundled profile carries recorded fixtures; serial and HID POS ones are replayed through the real
// framers with that profile's settings, keyboard ones (the keyboard decoder's input) must exist and parse.

import { readdirSync } from 'node:fs';
import test from 'ava';
import { parseFixture, readFixture } from '../../../src/devices/profiles/fixtures.ts';
import { defaultProfilesDir, loadProfiles } from '../../../src/devices/profiles/loader.ts';
import { replayFixture } from '../../../src/devices/profiles/replay.ts';

const { profiles, errors } = loadProfiles(defaultProfilesDir);

test('every bundled profile has at least one fixture', (t) => {
  // Every profile file shipped is loaded (none refused), so none escapes the fixture check below.
  t.deepEqual(errors, []);
  t.is(profiles.length, readdirSync(defaultProfilesDir).filter((n) => n.endsWith('.json')).length);
  t.deepEqual(
    profiles.filter((p) => p.tests.fixtures.length === 0).map((p) => p.id),
    [],
  );
});

for (const profile of profiles) {
  for (const fixture of profile.tests.fixtures) {
    test(`${profile.id}: ${fixture.file} replays to the recorded scans`, (t) => {
      const result = replayFixture(profile, fixture, defaultProfilesDir);
      if (!result.ok) return t.fail(result.error);
      t.deepEqual(
        result.frames.map((f) => ({ text: f.text, aim: f.aim, warnings: f.warnings })),
        fixture.expect.frames.map((e) => ({ text: e.text, aim: e.aim, warnings: e.warnings ?? [] })),
      );
      t.deepEqual(result.problems, fixture.expect.problems);
    });
  }
}

test('the fixture format: hex lines, waits and comments; anything else is refused', (t) => {
  const ok = parseFixture('# header\n02 1d 5d  # trailing comment\n\nwait 150\r\n0D\n');
  t.deepEqual(ok, {
    ok: true,
    steps: [
      { kind: 'data', bytes: Uint8Array.from([0x02, 0x1d, 0x5d]) },
      { kind: 'wait', ms: 150 },
      { kind: 'data', bytes: Uint8Array.from([0x0d]) },
    ],
  });
  t.deepEqual(parseFixture('02 1d\nwait soon\n'), {
    ok: false,
    error: 'line 2: expected hex bytes like "02 1d 5d" or "wait 200"',
  });
  t.deepEqual(parseFixture('# only a comment\n'), { ok: false, error: 'no data lines' });
  t.false(
    readFixture(defaultProfilesDir, '../profile.schema.json').ok,
    'paths stay inside the profiles directory',
  );
});
