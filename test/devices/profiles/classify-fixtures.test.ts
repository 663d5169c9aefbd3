// Every shipped profile, decoder and classifier together: its recorded fixtures run through the real
// framer or keyboard decoder with the profile's settings and then through the classifier with the
// profile's `classify` block and the default loyalty settings, to the kind and the normalised value
// (canonical UID, loyalty token, GTIN) the profile promises. A reader profile (msr, rfid, nfc) must
// say what each of its fixtures classifies as: a card reader read as a scanner is the bug this
// guards against (issue 7).
import { readdirSync } from 'node:fs';
import test from 'ava';
import { classify } from '../../../src/classify/index.ts';
import { settingsSchema } from '../../../src/config/schema.ts';
import { defaultProfilesDir, loadProfiles, replayFixture } from '../../../src/devices/profiles/index.ts';
import { classifyOptionsFor, createClassifier } from '../../../src/scans/classifier.ts';

const { profiles, errors } = loadProfiles(defaultProfilesDir);
const loyalty = settingsSchema().parse({}).loyalty;

test('every shipped profile loads and builds a classifier without error', (t) => {
  t.deepEqual(errors, []);
  // Every file shipped, not merely "some": a profile missing here would escape the fixtures below.
  t.is(profiles.length, readdirSync(defaultProfilesDir).filter((n) => n.endsWith('.json')).length);
  for (const profile of profiles)
    t.notThrows(() => classifyOptionsFor(profile.classify, loyalty), profile.id);
  t.notThrows(() => createClassifier(loyalty, profiles));
});

test('the card readers are read as card readers', (t) => {
  const readers = profiles.filter((p) => p.kind !== 'scanner');
  t.deepEqual(
    readers.map((p) => [p.id, p.classify.treatAs]),
    [
      ['em4100-reader', 'uid'],
      ['magstripe-reader', 'msr'],
      ['uid-reader-13mhz', 'uid'],
    ],
  );
});

for (const profile of profiles) {
  const options = classifyOptionsFor(profile.classify, loyalty);
  for (const fixture of profile.tests.fixtures) {
    test(`${profile.id}: ${fixture.file} classifies as the profile expects`, (t) => {
      const result = replayFixture(profile, fixture, defaultProfilesDir);
      if (!result.ok) return t.fail(result.error);
      t.is(result.frames.length, fixture.expect.frames.length);
      if (profile.kind !== 'scanner') {
        t.deepEqual(
          fixture.expect.frames.filter((f) => f.scan === undefined).map((f) => f.text),
          [],
          'every frame of a reader profile says what it classifies as',
        );
      }
      result.frames.forEach((frame, i) => {
        const expected = fixture.expect.frames[i]?.scan;
        if (expected === undefined) return;
        const c = classify(frame, options);
        t.deepEqual(
          {
            kind: c.kind,
            symbology: c.symbology,
            uid: c.uid?.canonical,
            token: c.loyalty?.token,
            gtin: c.product?.gtin,
            warnings: c.warnings,
          },
          {
            kind: expected.kind,
            symbology: expected.symbology,
            uid: expected.uid,
            token: expected.token,
            gtin: expected.gtin,
            warnings: expected.warnings ?? [],
          },
        );
      });
    });
  }
}
