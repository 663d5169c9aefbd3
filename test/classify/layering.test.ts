// classify/ is the bottom of the scan path (DESIGN §11): pure code that devices, scans, config,
// loyalty and the topic registry use from below. It imports nothing of theirs and does no I/O.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import test from 'ava';

const dir = fileURLToPath(new URL('../../src/classify/', import.meta.url));
const allowed = [/^\.\/[a-z0-9-]+\.ts$/, /^\.\.\/util\/[a-z0-9-]+\.ts$/, /^zod$/, /^node:crypto$/];

test('src/classify imports only itself, src/util, zod and node:crypto', (t) => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
  t.true(files.length > 10);
  const outside = files.flatMap((file) =>
    [...readFileSync(`${dir}${file}`, 'utf8').matchAll(/^(?:import|export)[^'"]*?from\s+'([^']+)'/gm)]
      .map((m) => m[1]!)
      .filter((spec) => !allowed.some((re) => re.test(spec)))
      .map((spec) => `${file}: ${spec}`),
  );
  t.deepEqual(outside, []);
});
