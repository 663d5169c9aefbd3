// Applying settings on SIGHUP (`systemctl reload`) in the real `edge-gateway start` process: an
// invalid file is refused and nothing restarts; a new provider restarts loyalty alone (the till's
// MQTT connection stays up), and a new till id restarts the whole gateway.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { createSimulator, SEED } from '../../src/loyalty/simulator/index.ts';
import { runCli } from '../helpers/cli.ts';
import { connect, tempDir } from '../helpers/gateway.ts';
import { until } from '../uplink/_rig.ts';
import { freePort } from '../web/ports.ts';

test('SIGHUP: an invalid file is refused and nothing restarts; a new provider restarts loyalty only; a new till id restarts all', async (t) => {
  t.timeout(90_000);
  const sim = await createSimulator();
  t.teardown(() => sim.close());
  const dataDir = tempDir();
  const mqttPort = await freePort();
  const env = {
    EDGE_DATA_DIR: dataDir,
    EDGE_HTTP_PORT: String(await freePort()),
    EDGE_MQTT_PORT: String(mqttPort),
  };
  const run = runCli(['start'], env);
  t.teardown(() => run.child.kill('SIGKILL'));
  await run.ready;
  const lines = (msg: string) => run.lines.filter((l) => typeof l === 'object' && l.msg === msg);
  const till = await connect(`mqtt://127.0.0.1:${mqttPort}`);
  t.teardown(() => till.endAsync(true));
  let drops = 0;
  till.on('close', () => drops++);

  const config = join(dataDir, 'config.json');
  writeFileSync(config, JSON.stringify({ provider: { url: 'not a url', api_key: SEED.apiKey } }));
  run.child.kill('SIGHUP');
  await until(
    'the refusal',
    () => lines('settings not applied: the gateway keeps running with the settings it has').length === 1,
  );
  t.like(lines('invalid configuration')[0], { level: 'error', problems: [{ path: 'provider.url' }] });
  t.is(lines('ready').length, 1, 'nothing restarted');
  t.is(drops, 0);

  writeFileSync(config, JSON.stringify({ provider: { url: sim.url, api_key: SEED.apiKey } }));
  run.child.kill('SIGHUP');
  await until('the partial apply', () => lines('settings applied').length === 1, 20_000);
  const partial = lines('settings applied')[0];
  t.deepEqual(partial.restarted, ['loyalty', 'info']);
  t.is(lines('ready').length, 2, 'ready again, for scripts waiting on the reload');
  t.deepEqual(lines('ready')[1].restarted, ['loyalty', 'info']);
  t.is(drops, 0, 'the till kept its connection');
  t.true(till.connected);

  writeFileSync(config, JSON.stringify({ till_id: 'T9', provider: { url: sim.url, api_key: SEED.apiKey } }));
  run.child.kill('SIGHUP');
  await until('the whole restart', () => lines('settings applied').length === 2, 20_000);
  const whole = lines('settings applied')[1];
  t.is(whole.restarted, 'all');
  t.like(lines('applying settings: restarting the whole gateway in-process')[0], { why: 'till_id changed' });
  await until('the till dropped', () => drops > 0);
  // How long each took, for the report: a part-wise apply against a whole restart.
  t.log(`apply durations: loyalty only ${partial.duration_ms} ms, whole gateway ${whole.duration_ms} ms`);

  run.child.kill('SIGTERM');
  t.is(await run.exited, 0);
  t.deepEqual(
    run.lines.filter(
      (l) => typeof l === 'object' && l.level === 'error' && l.msg !== 'invalid configuration',
    ),
    [],
  );
});
