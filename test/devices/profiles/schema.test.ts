// One zod schema yields validation, types, defaults and the committed JSON Schema (STYLE).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import {
  profileJsonSchema,
  profileJsonSchemaFile,
  writeProfileJsonSchema,
} from '../../../src/devices/profiles/json-schema.ts';
import { profileSchema } from '../../../src/devices/profiles/schema.ts';
import { testTempDir } from '../../helpers/cleanup.ts';

test('the committed firmware-config/profile.schema.json equals a fresh generation', (t) => {
  const committed = JSON.parse(readFileSync(profileJsonSchemaFile, 'utf8'));
  t.deepEqual(
    committed,
    profileJsonSchema(),
    'regenerate: node --import=tsx src/devices/profiles/json-schema.ts',
  );
});

test('writeProfileJsonSchema writes the generated schema to the given file', (t) => {
  const dir = testTempDir(t, 'edge-profile-schema-');
  const file = writeProfileJsonSchema(join(dir, 'profile.schema.json'));
  const written = JSON.parse(readFileSync(file, 'utf8'));
  t.deepEqual(written, profileJsonSchema());
  t.like(written, { type: 'object', additionalProperties: false, required: ['id', 'name', 'kind', 'match'] });
});

test('a minimal profile gets the documented defaults', (t) => {
  const p = profileSchema.parse({
    id: 'acme',
    name: 'Acme',
    kind: 'scanner',
    match: [{ transport: 'serial', vendorId: '0x1234', productId: 17 }],
  });
  t.deepEqual(p.transports, ['hid-pos', 'serial', 'hid-keyboard'], 'DESIGN §6 preference');
  t.deepEqual(p.match[0], { transport: 'serial', vendorId: 0x1234, productId: 17 });
  t.like(p.serial, {
    terminator: [0x0d],
    idleTimeoutMs: 100,
    maxLength: 4096,
    aim: 'optional',
    baudRate: 9600,
  });
  t.like(p.hidPos, { layout: 'honeywell', suffixStripCr: true, commandResponseAims: [']X0', ']Z6'] });
  t.deepEqual(p.scannerConfig, { hostInit: [] });
  t.deepEqual(p.classify, {
    treatAs: 'auto',
    uidFormat: 'auto',
    byteOrder: 'msb',
    uidCanonical: 'full',
    rejectRandomUid: true,
  });
  t.deepEqual(p.tests, { fixtures: [] });
  t.false(p.fallback);
});

test('an explicit HID POS layout whose fields overlap is refused', (t) => {
  const r = profileSchema.safeParse({
    id: 'acme',
    name: 'Acme',
    kind: 'scanner',
    match: [{ transport: 'hid-pos' }],
    hidPos: {
      layout: {
        reportId: 2,
        lengthOffset: 1,
        aimOffset: 4,
        dataOffset: 5,
        dataLength: 56,
        continuedByte: 63,
        continuedMask: 1,
      },
    },
  });
  t.false(r.success);
  t.deepEqual(
    r.error?.issues.map((i) => i.path.join('.')),
    ['hidPos.layout.aimOffset'],
  );
});
