// Layout registry and the settings schema device profiles embed (DESIGN §6).
import test from 'ava';
import {
  createKeyboardDecoder,
  getLayout,
  KeyboardDecoderSettingsError,
  keyboardDecoderSettingsSchema,
  layoutNames,
  UnknownLayoutError,
} from '../../../src/devices/keyboard/index.ts';

test('getLayout returns the tables and rejects unknown names listing the known ones', (t) => {
  t.deepEqual([...layoutNames], ['us', 'de']);
  t.is(getLayout('de').keys.get(0x1c)?.base, 'z');
  t.is(getLayout('us').keys.get(0x1c)?.base, 'y');
  const error = t.throws(() => getLayout('fr'), { instanceOf: UnknownLayoutError });
  t.is(error?.message, 'unknown keyboard layout "fr"; known layouts: us, de');
});

test('the schema fills in defaults', (t) => {
  t.deepEqual(keyboardDecoderSettingsSchema.parse({}), {
    layout: 'us',
    suffix: 'enter',
    idleTimeoutMs: 50,
    oemCodePage: 'cp850',
    enterInData: false,
    minLength: 1,
    maxLength: 4096,
    capsLock: false,
  });
});

test('invalid settings are refused with every problem and its path', (t) => {
  const result = keyboardDecoderSettingsSchema.safeParse({ layout: 'fr', idleTimeoutMs: 0, colour: 'red' });
  t.false(result.success);
  const paths = result.error?.issues.map((i) => i.path.join('.') || i.code).sort();
  t.deepEqual(paths, ['idleTimeoutMs', 'layout', 'unrecognized_keys']);
  t.false(keyboardDecoderSettingsSchema.safeParse({ minLength: 10, maxLength: 5 }).success);
});

test('createKeyboardDecoder refuses invalid settings with a readable error', (t) => {
  const error = t.throws(() => createKeyboardDecoder({ layout: 'fr' as 'us' }, { frame: () => {} }), {
    instanceOf: KeyboardDecoderSettingsError,
  });
  t.regex(error?.message ?? '', /layout/);
  t.regex(error?.message ?? '', /got "fr", allowed: "us" \| "de"/);
});
