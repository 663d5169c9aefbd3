// Scan warning codes are one catalogue (src/classify/warnings.ts): the topic registry's scan schema
// enumerates it, the profile fixtures are checked against it, the README table is generated from it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { decoderWarnings, SCAN_WARNING_CODES, scanWarnings } from '../../src/classify/warnings.ts';
import { TOPICS } from '../../src/mqtt/topics.ts';
import { connect, nextMessages, startTestGateway } from '../helpers/gateway.ts';

const scan = {
  id: 's-1',
  seq: 1,
  ts: '2026-12-01T10:00:00.000Z',
  device_id: 'test',
  profile: 'test',
  transport: 'test',
  symbology: null,
  aim: null,
  kind: 'text',
  text: 'abc',
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

test('the scan topic schema accepts each catalogued warning and refuses any other code', (t) => {
  t.true(SCAN_WARNING_CODES.length > 15);
  for (const code of SCAN_WARNING_CODES)
    t.true(TOPICS.scan.schema.safeParse({ ...scan, warnings: [code] }).success, code);
  for (const other of ['made_up', 'Layout_suspect', 'truncated', ''])
    t.false(TOPICS.scan.schema.safeParse({ ...scan, warnings: [other] }).success, other);
});

test('every warning code the decoders and the classifier write is in the catalogue', (t) => {
  const written = new Set<string>();
  // warnings.push('x'), warnings.add('x'), warn('x'), warning('x'), found.push('x'), complete(d, ['x']).
  const call =
    /\b(?:warnings\.(?:push|add)|found\.push|warn|warning)\(\s*'([a-z0-9_]+)'|complete\(\w+, \['([a-z0-9_]+)'\]/g;
  for (const file of [...sources('src/devices'), ...sources('src/classify')]) {
    for (const m of readFileSync(file, 'utf8').matchAll(call)) written.add((m[1] ?? m[2])!);
  }
  t.true(written.size >= 15, [...written].join(' '));
  t.deepEqual(
    [...written].filter((c) => !(c in scanWarnings)),
    [],
  );
  t.true('timeout_framed' in decoderWarnings && written.has('timeout_framed'));
});

test('a published scan with a warning matches the registry schema', async (t) => {
  const gw = await startTestGateway();
  t.teardown(() => gw.stop());
  const till = await connect(gw.url);
  t.teardown(() => till.endAsync());
  const published = nextMessages(till, 'pos/demo-till/scan');
  await till.publishAsync(
    'pos/demo-till/request/gateway/test_scan',
    JSON.stringify({ transaction: 't-1', text: 'bell\u0007here' }),
  );
  const [event] = await published;
  t.deepEqual(event!.payload.warnings, ['control_characters']);
  const parsed = TOPICS.scan.schema.safeParse(event!.payload);
  t.true(parsed.success, JSON.stringify(parsed.error?.issues));
});
