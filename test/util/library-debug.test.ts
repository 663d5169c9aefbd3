// src/util/library-debug.ts: with DEBUG unset, the loggers mqtt-packet (aedes' parser and writer)
// makes are no-ops that take no arguments, so a packet's ~60 debug calls build nothing; with DEBUG
// naming them they print as the debug package always did. Each case runs in a fresh process, as
// the module must run before the libraries load.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import test from 'ava';

const MODULE = fileURLToPath(new URL('../../src/util/library-debug.ts', import.meta.url));
// Loads the module first, then mqtt-packet, parses one PUBLISH and reports what its logger is.
const PROBE = `
  await import(${JSON.stringify(MODULE)});
  const { createRequire } = await import('node:module');
  const require = createRequire(${JSON.stringify(MODULE)});
  const packetRequire = createRequire(require.resolve('aedes'));
  const mqttPacket = packetRequire('mqtt-packet');
  const debug = createRequire(packetRequire.resolve('mqtt-packet'))('debug');
  const logger = debug('mqtt-packet:parser');
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  let parsed = 0;
  parser.on('packet', () => parsed++);
  parser.parse(mqttPacket.generate({ cmd: 'publish', topic: 'a/b', payload: 'x', qos: 0 }));
  // The debug package's own logger is \`function debug(...args)\`: an array per call.
  console.log(JSON.stringify({ parsed, enabled: logger.enabled, restArgs: String(logger).includes('...') }));
`;

function probe(env: NodeJS.ProcessEnv) {
  const r = spawnSync(process.execPath, ['--import=tsx', '--input-type=module', '-e', PROBE], {
    env: { ...process.env, DEBUG: undefined, ...env },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return { out: JSON.parse(r.stdout.trim().split('\n').at(-1)!), stderr: r.stderr };
}

test('with DEBUG unset, library debug loggers are no-ops that build no argument array, and packets still parse', (t) => {
  const { out, stderr } = probe({});
  t.deepEqual(out, { parsed: 1, enabled: false, restArgs: false });
  t.is(stderr, '');
});

test('with DEBUG naming a library, its debug lines are printed as before', (t) => {
  const { out, stderr } = probe({ DEBUG: 'mqtt-packet:parser' });
  t.deepEqual(out, { parsed: 1, enabled: true, restArgs: true });
  t.regex(stderr, /mqtt-packet:parser parse: current state/);
});
