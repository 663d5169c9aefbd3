// Profile files with mistakes: each error names the file, the JSON path, the value seen and what is
// allowed (STYLE: loud, specific config errors), and one bad file never hides the good ones.

import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { defaultProfilesDir, loadProfiles } from '../../../src/devices/profiles/loader.ts';
import { testTempDir } from '../../helpers/cleanup.ts';

function base(): Record<string, unknown> {
  return {
    id: 'acme',
    name: 'Acme scanner',
    kind: 'scanner',
    match: [{ transport: 'serial', vendorId: '0x1234' }],
  };
}

function profilesDir(t: ExecutionContext, files: Record<string, unknown>): string {
  const dir = testTempDir(t, 'edge-profiles-');
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

function only(t: ExecutionContext, dir: string) {
  const { profiles, errors } = loadProfiles(dir);
  t.is(errors.length, 1, errors.map((e) => e.message).join('\n'));
  return { profiles, error: errors[0]! };
}

test('the bundled profiles all load without errors', (t) => {
  const { profiles, errors } = loadProfiles(defaultProfilesDir);
  t.deepEqual(errors, []);
  t.deepEqual(
    profiles.map((p) => p.id),
    [
      'datalogic',
      'em4100-reader',
      'generic-keyboard',
      'generic-serial',
      'honeywell',
      'magstripe-reader',
      'newland',
      'uid-reader-13mhz',
      'zebra',
    ],
  );
  t.true(Object.isFrozen(profiles[0]!.match[0]), 'validated once, then deep-frozen');
});

test('wrong type: the message names file, path, value seen and the expected type', (t) => {
  const dir = profilesDir(t, { 'acme.json': { ...base(), serial: { idleTimeoutMs: 'fast' } } });
  const { error, profiles } = only(t, dir);
  t.deepEqual(profiles, []);
  t.is(error.path, 'serial.idleTimeoutMs');
  t.is(error.message, `${join(dir, 'acme.json')}: serial.idleTimeoutMs: got "fast", expected number`);
});

test('unknown transport: the allowed values are listed', (t) => {
  const dir = profilesDir(t, { 'acme.json': { ...base(), match: [{ transport: 'cdc-acm' }] } });
  const { error } = only(t, dir);
  t.is(error.path, 'match[0].transport');
  t.true(error.message.includes('acme.json: match[0].transport: got "cdc-acm"'), error.message);
  t.true(error.message.endsWith('allowed: "hid-pos" | "serial" | "hid-keyboard"'), error.message);
});

test('a regular expression that does not compile is refused with the reason', (t) => {
  const dir = profilesDir(t, {
    'acme.json': { ...base(), match: [{ transport: 'serial', productRegex: '([a-z' }] },
  });
  const { error } = only(t, dir);
  t.is(error.path, 'match[0].productRegex');
  t.regex(
    error.message,
    /acme\.json: match\[0\]\.productRegex: got "\(\[a-z": not a valid regular expression \(/,
  );
});

test('a missing id is reported as missing', (t) => {
  const { id: _id, ...noId } = base();
  const dir = profilesDir(t, { 'acme.json': noId });
  const { error } = only(t, dir);
  t.is(error.message, `${join(dir, 'acme.json')}: id: missing, expected string`);
});

test('a duplicate id keeps the first file and names both', (t) => {
  const dir = profilesDir(t, { 'a.json': base(), 'b.json': { ...base(), name: 'Acme again' } });
  const { profiles, error } = only(t, dir);
  t.deepEqual(
    profiles.map((p) => p.name),
    ['Acme scanner'],
  );
  t.is(error.file, join(dir, 'b.json'));
  t.is(
    error.message,
    `${join(dir, 'b.json')}: id: duplicate id "acme", already defined in ${join(dir, 'a.json')}`,
  );
});

test('broken JSON is reported for its file while the other profiles still load', (t) => {
  const dir = profilesDir(t, {
    'broken.json': '{"id": "x",',
    'good.json': base(),
    'readme.txt': 'not a profile',
  });
  const { profiles, error } = only(t, dir);
  t.deepEqual(
    profiles.map((p) => p.id),
    ['acme'],
  );
  t.is(error.path, '(root)');
  t.true(error.message.startsWith(`${join(dir, 'broken.json')}: (root): not valid JSON`), error.message);
});

test('a misspelt key is an error, not silently ignored', (t) => {
  const dir = profilesDir(t, { 'acme.json': { ...base(), serial: { baudrate: 115200 } } });
  const { error } = only(t, dir);
  t.is(error.message, `${join(dir, 'acme.json')}: serial.baudrate: unknown key (not in the profile schema)`);
});

test('a malformed hex id says what is allowed', (t) => {
  const dir = profilesDir(t, {
    'acme.json': { ...base(), match: [{ transport: 'serial', vendorId: '0xZZ' }] },
  });
  const { error } = only(t, dir);
  t.is(
    error.message,
    `${join(dir, 'acme.json')}: match[0].vendorId: got "0xZZ", expected an integer 0–65535 or a hex string such as "0x0002"`,
  );
});

test('a bad field inside an explicit layout points into the layout', (t) => {
  const dir = profilesDir(t, {
    'acme.json': { ...base(), hidPos: { layout: { reportId: 2, lengthOffset: 1, dataOffset: 'five' } } },
  });
  const { errors } = loadProfiles(dir);
  const paths = errors.map((e) => e.path);
  t.true(paths.includes('hidPos.layout.dataOffset'), paths.join(', '));
  t.true(paths.includes('hidPos.layout.dataLength'), paths.join(', '));
});

test('a layout preset name that does not exist lists the presets and the object form', (t) => {
  const dir = profilesDir(t, { 'acme.json': { ...base(), hidPos: { layout: 'zebra' } } });
  const { error } = only(t, dir);
  t.is(error.path, 'hidPos.layout');
  t.true(
    error.message.endsWith('got "zebra", allowed: "honeywell" | "newland", or an object'),
    error.message,
  );
});

test('a match rule for a transport the profile does not offer is refused', (t) => {
  const dir = profilesDir(t, { 'acme.json': { ...base(), transports: ['hid-keyboard'] } });
  const { error } = only(t, dir);
  t.is(error.path, 'match[0].transport');
  t.true(error.message.includes('"serial" is not in transports [hid-keyboard]'), error.message);
});

test('a fixture file that does not exist, or is not a hex dump, is an error of the profile', (t) => {
  const fixture = { transport: 'serial', expect: { frames: [{ text: 'x' }] } };
  const dir = profilesDir(t, {
    'acme.json': { ...base(), tests: { fixtures: [{ ...fixture, file: 'fixtures/acme/missing.hex' }] } },
    'beta.json': {
      ...base(),
      id: 'beta',
      tests: { fixtures: [{ ...fixture, file: 'fixtures/beta/bad.hex' }] },
    },
  });
  mkdirSync(join(dir, 'fixtures', 'beta'), { recursive: true });
  writeFileSync(join(dir, 'fixtures', 'beta', 'bad.hex'), '02 zz 03\n');
  const { profiles, errors } = loadProfiles(dir);
  t.deepEqual(profiles, []);
  t.deepEqual(
    errors.map((e) => e.message),
    [
      `${join(dir, 'acme.json')}: tests.fixtures[0].file: "fixtures/acme/missing.hex": cannot read fixture (ENOENT)`,
      `${join(dir, 'beta.json')}: tests.fixtures[0].file: "fixtures/beta/bad.hex": line 1: expected hex bytes like "02 1d 5d" or "wait 200"`,
    ],
  );
});

test('a profile directory that does not exist is one clear error', (t) => {
  const missing = join(tmpdir(), 'no-such-profiles-dir-for-this-test');
  const { profiles, errors } = loadProfiles(missing);
  t.deepEqual(profiles, []);
  t.deepEqual(
    errors.map((e) => e.message),
    [`${missing}: (root): cannot read the profile directory (ENOENT)`],
  );
});

// The classify block is read by the classifier's own schema (issue 7: three shipped readers fell back
// to scanner reading at run time because nothing checked it at load).
const reader = (classify: Record<string, unknown>) => ({
  ...base(),
  id: 'acme-reader',
  kind: 'rfid',
  match: [{ transport: 'hid-keyboard', vendorId: '0x1234' }],
  transports: ['hid-keyboard'],
  classify,
});

test('a bad classify block refuses that profile, named, and the others still load', (t) => {
  const dir = profilesDir(t, {
    'acme.json': base(),
    'acme-reader.json': reader({ treatAs: 'uid', uidFormat: 'dez10', logRaw: false }),
  });
  const { profiles, errors } = loadProfiles(dir);
  t.deepEqual(
    profiles.map((p) => p.id),
    ['acme'],
  );
  const file = join(dir, 'acme-reader.json');
  t.deepEqual(errors.map((e) => e.message).sort(), [
    `${file}: classify.logRaw: unknown key (not in the profile schema)`,
    `${file}: classify.uidFormat: got "dez10", allowed: "auto" | "hex" | "dec10" | "dec8" | "w26" | "dec"`,
  ]);
});

test('a card reader read as a scanner is refused: it would never publish kind uid', (t) => {
  const dir = profilesDir(t, { 'acme-reader.json': reader({ uidFormat: 'hex' }) });
  const { error } = only(t, dir);
  t.is(error.path, 'classify.treatAs');
  t.is(
    error.message,
    `${join(dir, 'acme-reader.json')}: classify.treatAs: got "auto": a profile of kind "rfid" is read with treatAs "uid"`,
  );
});

test('a magstripe reader must be read as one (no EAN exemption for a card swipe)', (t) => {
  const dir = profilesDir(t, {
    'msr.json': { ...reader({ treatAs: 'auto' }), id: 'msr', kind: 'msr' },
  });
  t.is(only(t, dir).error.path, 'classify.treatAs');
});

test('scanner-side fields the gateway never sends are not in the schema', (t) => {
  const dir = profilesDir(t, {
    'acme.json': { ...base(), scannerConfig: { protocol: 'honeywell-menu', commands: ['KBDCTY0'] } },
  });
  const { errors } = loadProfiles(dir);
  t.deepEqual(errors.map((e) => e.path).sort(), ['scannerConfig.commands', 'scannerConfig.protocol']);
});
