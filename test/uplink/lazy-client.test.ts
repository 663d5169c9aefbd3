// mqtt.js is loaded with the uplink's first connection, not at start (src/uplink/connection.ts): a
// box without an ops broker (demo mode, a shop without ops) never holds its ~0.5 MB of heap. This
// file starts the gateway itself, without the test helpers, because they import mqtt.js for tills
// (test/helpers/cleanup.ts imports nothing of the kind: its data dirs go when the process ends).
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import test from 'ava';
import { loadConfig } from '../../src/config/load.ts';
import { startGateway } from '../../src/gateway.ts';
import { createLogger } from '../../src/log.ts';
import { createSessionStore } from '../../src/web/session-store.ts';
import { tempDir } from '../helpers/cleanup.ts';

const mqttLoaded = () =>
  Object.keys(createRequire(import.meta.url).cache).some((f) => f.includes('/node_modules/mqtt/'));

async function start(config: Record<string, unknown>) {
  const dataDir = tempDir('edge-test-lazy-');
  const configPath = join(dataDir, 'config.json');
  writeFileSync(configPath, JSON.stringify({ ...config, mqtt: { port: 0 }, http: { port: 0 } }));
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', write: (l) => lines.push(l) });
  const loaded = await loadConfig({ configPath, dataDir, env: {}, logger });
  const gateway = await startGateway({
    config: loaded,
    logger,
    hidBackend: { list: async () => [], open: async () => Promise.reject(new Error('no HID here')) },
    web: { sessions: createSessionStore(), startedAt: Date.now(), logs: { push() {}, lines: () => lines } },
  });
  return { gateway, lines };
}

test.serial(
  'a gateway without an ops broker never loads mqtt.js; one with a broker URL loads it to connect',
  async (t) => {
    t.timeout(60_000);
    const demo = await start({});
    t.false(mqttLoaded(), 'mqtt.js is not loaded by a gateway whose uplink is not configured');
    await demo.gateway.stop();

    // Port 1 on loopback: nothing listens, so the first attempt fails and says so.
    const ops = await start({ till_id: 'T1', branch_id: 'B1', uplink: { url: 'mqtt://127.0.0.1:1' } });
    t.teardown(() => ops.gateway.stop());
    const deadline = Date.now() + 30_000;
    while (!ops.lines.some((l) => l.includes('uplink disconnected')) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    t.true(
      ops.lines.some((l) => l.includes('uplink disconnected')),
      'the uplink tried and failed once',
    );
    t.true(mqttLoaded(), 'the uplink loaded mqtt.js for its attempt');
  },
);
