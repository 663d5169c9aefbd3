// The tests run the compiled command only while it is the build of the sources as they are
// (test/helpers/cli.ts `cliEntry`): a source, or a build setting, changed after the build runs the
// sources through tsx instead, so a test never passes on stale output.
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { testTempDir } from './cleanup.ts';
import { cliEntry } from './cli.ts';

function checkout(t: Parameters<typeof testTempDir>[0]) {
  const root = testTempDir(t, 'edge-cli-entry-');
  const at = (file: string, seconds: number) => {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), '');
    utimesSync(join(root, file), seconds, seconds);
  };
  for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'src/cli.ts', 'src/web/server.ts'])
    at(f, 1000);
  return { root, at, bin: join(root, 'bin/edge-gateway.js'), dist: join(root, 'dist/cli.js') };
}

test('the build when it is newer than every source, the sources through tsx otherwise', (t) => {
  const c = checkout(t);
  t.is(cliEntry(c.root, {}), c.bin, 'no build: the sources');
  c.at('dist/cli.js', 2000);
  c.at('dist/web/server.js', 2000);
  t.is(cliEntry(c.root, {}), c.dist, 'a build of these sources');
  t.is(cliEntry(c.root, { EDGE_TEST_CLI: 'tsx' }), c.bin, 'EDGE_TEST_CLI=tsx: the sources all the same');
  c.at('src/web/server.ts', 3000);
  t.is(cliEntry(c.root, {}), c.bin, 'a source edited after the build: the sources');
  c.at('dist/cli.js', 4000);
  t.is(cliEntry(c.root, {}), c.bin, 'one compiled file older than that edit is enough to refuse the build');
  c.at('dist/web/server.js', 4000);
  t.is(cliEntry(c.root, {}), c.dist, 'built again');
  c.at('tsconfig.build.json', 5000);
  t.is(cliEntry(c.root, {}), c.bin, 'build settings changed after the build: the sources');
});
