// The node flags the systemd unit starts the gateway with (between `node` and the script in its
// ExecStart), so benchmarks and the tests that run the production process (install, soak) run it as
// the box does and cannot drift from the unit: the unit is the one place they are set.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const UNIT = fileURLToPath(new URL('../../systemd/edge-gateway.service', import.meta.url));

/** BENCH_NODE_FLAGS overrides them, to try other settings in a benchmark. */
export function unitNodeFlags(): string[] {
  if (process.env.BENCH_NODE_FLAGS !== undefined)
    return process.env.BENCH_NODE_FLAGS.split(' ').filter(Boolean);
  const exec = /^ExecStart=(.*)$/m.exec(readFileSync(UNIT, 'utf8'))?.[1] ?? '';
  const words = exec.split(/\s+/);
  const script = words.findIndex((w) => w.endsWith('edge-gateway.js'));
  return words.slice(1, script).filter((w) => w.startsWith('--'));
}
