// The README's reference tables against the catalogues they are generated from (issue 8): the
// README holds every table scripts/readme-tables.ts generates (MQTT topics, uplink topics, error
// codes, exit codes, scan warnings, environment variables), each exactly as the script renders it
// now; and every environment variable the code reads (src/ and bin/edge-gateway.js) is in the
// environment catalogue or among the tests' own variables, which the README's table leaves out.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { generatedBlocks, README, renderReadme, TABLES } from '../../scripts/readme-tables.ts';
import { ENVIRONMENT, TEST_ENVIRONMENT } from '../../src/config/env.ts';

const readme = readFileSync(README, 'utf8');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

test('the README holds every generated table, each exactly as the catalogues render it now', (t) => {
  t.deepEqual(generatedBlocks(readme).sort(), Object.keys(TABLES).sort());
  // On failure: `node --import=tsx scripts/readme-tables.ts` rewrites them.
  t.is(renderReadme(readme), readme);
  t.true(readme.includes('| `not_yet_valid` |'));
});

test('every environment variable the code reads is in the catalogue and in the README', (t) => {
  const read = new Set<string>();
  // Read from the environment: `env.X` / `process.env.X` (EDGE_GATEWAY_PROFILE, say, is a udev
  // property in the generated rules, not a variable of the process).
  for (const file of [...sources('src'), 'bin/edge-gateway.js']) {
    for (const m of readFileSync(file, 'utf8').matchAll(/\b(?:env|process\.env)\.([A-Z][A-Z0-9_]+)/g))
      read.add(m[1]!);
  }
  t.true(read.size > 5);
  t.deepEqual(
    [...read].filter((name) => !(name in ENVIRONMENT) && !(name in TEST_ENVIRONMENT)),
    [],
  );
  // The tests' own variables are read too, but not a user's to set: the README's table leaves them out.
  t.true(read.has('EDGE_TEST_HOOKS'));
  const table = TABLES.environment!();
  for (const name of Object.keys(TEST_ENVIRONMENT)) t.false(table.includes(name), name);
  for (const name of [
    'EDGE_MQTT_HOST',
    'EDGE_HTTP_HOST',
    'EDGE_MQTT_WS_PORT',
    'EDGE_CONFIG',
    'EDGE_SERIAL_DEVICES',
  ]) {
    t.true(readme.includes(`| \`${name}\` |`), name);
  }
});
