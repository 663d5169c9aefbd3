// Classification settings: one schema, validated once, loud errors, frozen result (STYLE, DESIGN §6).
import test from 'ava';
import { z } from 'zod';
import {
  ClassifySettingsError,
  classifySettingsSchema,
  createClassifyOptions,
  defaultLoyaltyPatterns,
} from '../../src/classify/index.ts';

test('no settings give the documented defaults', (t) => {
  const { settings, patterns } = createClassifyOptions();
  t.deepEqual(settings, {
    treatAs: 'auto',
    uidFormat: 'auto',
    byteOrder: 'msb',
    uidCanonical: 'full',
    rejectRandomUid: true,
    loyaltyPatterns: [...defaultLoyaltyPatterns],
    loyaltyIinPrefixes: [],
  });
  t.deepEqual(
    patterns.map((p) => p.name),
    ['hello-again-app-url', 'hello-again-token', 'loyalty-card-track', 'loyalty-card-number'],
  );
});

test('the options are deep-frozen', (t) => {
  const options = createClassifyOptions({ loyaltyIinPrefixes: ['600123'] });
  t.true(Object.isFrozen(options));
  t.true(Object.isFrozen(options.settings.loyaltyIinPrefixes));
  t.true(Object.isFrozen(options.patterns[0]));
  t.throws(() => {
    (options.settings.loyaltyIinPrefixes as string[]).push('4');
  });
});

test('every invalid setting is listed with its path and the value seen', (t) => {
  const error = t.throws(
    () =>
      createClassifyOptions({
        treatAs: 'printer',
        byteOrder: 'middle',
        rejectRandomUid: 'yes',
        colour: 'red',
      }),
    { instanceOf: ClassifySettingsError },
  );
  t.is(error?.issues.length, 4);
  t.true(error?.issues.some((line) => line.startsWith('treatAs: got "printer", ')));
  t.true(error?.issues.some((line) => line.startsWith('byteOrder: got "middle", ')));
  t.true(error?.issues.some((line) => line.startsWith('rejectRandomUid: got "yes", ')));
  t.true(error?.issues.some((line) => line.includes('colour')));
});

test('a loyalty prefix may only exempt numbers from the Maestro catch-all, never a named scheme', (t) => {
  const error = t.throws(
    () => createClassifyOptions({ loyaltyIinPrefixes: ['4111', '60', '62', '3', '600123'] }),
    {
      instanceOf: ClassifySettingsError,
    },
  );
  t.deepEqual(error?.issues, [
    'loyaltyIinPrefixes[0]: got "4111": prefix 4111 overlaps the visa payment range; only ranges inside the Maestro catch-all (50, 56–69) may be exempted',
    'loyaltyIinPrefixes[1]: got "60": prefix 60 overlaps the discover payment range; only ranges inside the Maestro catch-all (50, 56–69) may be exempted',
    'loyaltyIinPrefixes[2]: got "62": prefix 62 overlaps the discover payment range; only ranges inside the Maestro catch-all (50, 56–69) may be exempted',
    'loyaltyIinPrefixes[3]: got "3", expected 2–11 digits',
  ]);
  t.notThrows(() => createClassifyOptions({ loyaltyIinPrefixes: ['600123', '5019', '99'] }));
});

test('the schema yields a JSON Schema for the provisioning page', (t) => {
  const schema = z.toJSONSchema(classifySettingsSchema, { io: 'input', unrepresentable: 'any' }) as {
    properties: Record<string, { description?: string }>;
  };
  t.deepEqual(Object.keys(schema.properties).sort(), [
    'byteOrder',
    'loyaltyIinPrefixes',
    'loyaltyPatterns',
    'rejectRandomUid',
    'treatAs',
    'uidCanonical',
    'uidFormat',
  ]);
  t.regex(schema.properties.treatAs?.description ?? '', /magstripe/);
});
