import { fork } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { writeFileDurably } from '../../src/config/durable-file.ts';
import { ConfigError } from '../../src/config/errors.ts';
import { loadConfig } from '../../src/config/load.ts';
import { SECRET_PATHS, settingsJsonSchema } from '../../src/config/schema.ts';
import { redactSecrets, splitSecrets, writeSecrets } from '../../src/config/secrets.ts';
import { intentPath } from '../../src/config/settings-write.ts';
import { ConfigStore } from '../../src/config/store.ts';
import { collectingLogger, tempDir } from '../helpers/gateway.ts';

function writeConfig(dir: string, data: unknown): string {
  const path = join(dir, 'config.json');
  writeFileSync(path, typeof data === 'string' ? data : JSON.stringify(data));
  return path;
}

async function loadError(config: unknown, env: NodeJS.ProcessEnv = {}): Promise<ConfigError> {
  const dir = tempDir();
  const configPath = writeConfig(dir, config);
  const { logger } = collectingLogger();
  try {
    await loadConfig({ configPath, dataDir: dir, env, logger });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

test('given no config file, when loaded, then the demo defaults apply', async (t) => {
  const dir = tempDir();
  const { logger } = collectingLogger();
  const loaded = await loadConfig({ dataDir: dir, env: {}, logger });
  t.true(loaded.demo);
  t.false(loaded.configExists);
  t.is(loaded.settings.till_id, 'demo-till');
  t.is(loaded.settings.mqtt.port, 1883);
  t.is(loaded.settings.provider.url, null);
  t.true(Object.isFrozen(loaded.settings.mqtt));
});

test('every kind of invalid value is named in one error with path, value seen and what is allowed', async (t) => {
  const err = await loadError({
    till_id: 'till 1!',
    log_level: 'loud',
    mqtt: { port: 70000, users: [{ username: 'a', password_hash: 'plain' }] },
    http: { port: 'eighty' },
    provider: { url: 'not a url', timeout_ms: 1.5 },
    outbox: { max_depth: 0 },
    devices: { serial: [{ path: '/dev/ttyACM0' }] },
    uplink: { url: 'http://x' },
  });
  const byPath = new Map(err.problems.map((p) => [p.path, p]));
  t.deepEqual(
    [...byPath.keys()].sort(),
    [
      'devices.serial.0.profile',
      'http.port',
      'log_level',
      'mqtt.port',
      'mqtt.users.0.password_hash',
      'outbox.max_depth',
      'provider.timeout_ms',
      'provider.url',
      'till_id',
      'uplink.url',
    ].sort(),
  );
  t.is(byPath.get('mqtt.port')!.seen, '70000');
  t.regex(byPath.get('mqtt.port')!.message, /65535/);
  t.regex(byPath.get('log_level')!.message, /debug.*info.*warn.*error/);
  t.is(byPath.get('http.port')!.seen, '"eighty"');
  t.regex(byPath.get('till_id')!.message, /letters, digits/);
  // A secret's value is never echoed, even when it is wrong.
  t.is(byPath.get('mqtt.users.0.password_hash')!.seen, '[secret]');
  t.regex(err.message, /10 problems/);
  t.notRegex(err.message, /plain/);
});

test('a wrong value from the environment names the variable it came from', async (t) => {
  const err = await loadError({}, { EDGE_MQTT_PORT: 'abc', EDGE_SERIAL_DEVICES: '/dev/pts/3' });
  const port = err.problems.find((p) => p.path === 'mqtt.port')!;
  t.is(port.source, 'EDGE_MQTT_PORT');
  t.is(port.seen, '"abc"');
  const serial = err.problems.find((p) => p.path === 'devices.serial.0.profile')!;
  t.is(serial.source, 'EDGE_SERIAL_DEVICES');
});

test('environment overrides win over the file', async (t) => {
  const dir = tempDir();
  const configPath = writeConfig(dir, {
    till_id: 'file-till',
    mqtt: { port: 1884 },
    provider: { url: 'http://a.example' },
  });
  const { logger } = collectingLogger();
  const loaded = await loadConfig({
    configPath,
    dataDir: dir,
    logger,
    env: {
      EDGE_TILL_ID: 'env-till',
      EDGE_BRANCH_ID: 'b7',
      EDGE_MQTT_PORT: '1999',
      EDGE_HTTP_PORT: '8099',
      EDGE_PROVIDER_URL: 'http://127.0.0.1:9000',
      EDGE_PROVIDER_API_KEY: 'k-123456',
      EDGE_UPLINK_URL: 'mqtts://ops.example:8883',
      EDGE_SERIAL_DEVICES: '/tmp/a=generic-serial,/tmp/b=honeywell',
      EDGE_LOG_LEVEL: 'warn',
    },
  });
  const s = loaded.settings;
  t.is(s.till_id, 'env-till');
  t.is(s.branch_id, 'b7');
  t.is(s.mqtt.port, 1999);
  t.is(s.http.port, 8099);
  t.is(s.provider.url, 'http://127.0.0.1:9000');
  t.is(s.provider.api_key, 'k-123456');
  t.is(s.uplink.url, 'mqtts://ops.example:8883');
  t.is(s.log_level, 'warn');
  t.deepEqual(s.devices.serial, [
    { path: '/tmp/a', profile: 'generic-serial' },
    { path: '/tmp/b', profile: 'honeywell' },
  ]);
  // Still unprovisioned (no till logins), though a provider URL is given: demo mode (DESIGN §3).
  t.true(loaded.demo);
});

test('secrets come from a 0600 file, never from what is shown', async (t) => {
  const dir = tempDir();
  writeSecrets(join(dir, 'secrets.json'), { provider: { api_key: 'secret-key-9876' } });
  t.is(statSync(join(dir, 'secrets.json')).mode & 0o777, 0o600);
  const { logger } = collectingLogger();
  const loaded = await loadConfig({ dataDir: dir, env: {}, logger });
  t.is(loaded.settings.provider.api_key, 'secret-key-9876');
  const shown = JSON.stringify(redactSecrets(loaded.settings));
  t.false(shown.includes('secret-key-9876'));
  t.deepEqual([...SECRET_PATHS].sort(), [
    'mqtt.users.*.password_hash',
    'provider.api_key',
    'technician.password_hash',
    'uplink.password',
  ]);
  const split = splitSecrets({ provider: { api_key: 'x', url: 'http://p' }, uplink: { password: 'y' } });
  t.deepEqual(split.public, { provider: { url: 'http://p' }, uplink: {} });
  t.deepEqual(split.secrets, { provider: { api_key: 'x' }, uplink: { password: 'y' } });
});

test('the JSON Schema marks secrets write-only and carries defaults for a form', (t) => {
  const schema = settingsJsonSchema() as any;
  t.true(schema.properties.provider.properties.api_key.writeOnly);
  t.is(schema.properties.mqtt.properties.port.default, 1883);
});

test('a zero-byte config after a power cut is reported and the last good copy used', async (t) => {
  const dir = tempDir();
  const path = join(dir, 'config.json');
  const { logger, lines } = collectingLogger();
  const opened = await ConfigStore.open(path, logger);
  await opened.store.replace({ till_id: 'till-7', branch_id: 'b1' });
  writeFileSync(path, ''); // what a rename without fsync leaves after a power cut
  const loaded = await loadConfig({ configPath: path, dataDir: dir, env: {}, logger });
  t.is(loaded.settings.till_id, 'till-7');
  t.is(loaded.recoveredFrom, `${path}.last-good`);
  const line = lines
    .map((l) => JSON.parse(l))
    .find((l) => l.msg === 'config file unusable, using last good copy');
  // A warning: the box runs on the settings it was given; nobody has to act.
  t.is(line?.level, 'warn');
  t.is(line?.reason, 'empty');
  // The broken file is kept aside for a post-mortem and the good content is back in place.
  t.true(readdirSync(dir).some((f) => f.startsWith('config.json.corrupt-')));
  t.is(JSON.parse(readFileSync(path, 'utf8')).till_id, 'till-7');
});

test('a corrupt config with no usable last good copy is set aside and the box starts unprovisioned, saying so', async (t) => {
  // Both copies unreadable: a damaged disk. Refusing to start would leave a box that loops in
  // restarts with a file that not even provisioning can read; it starts unprovisioned instead.
  const dir = tempDir();
  const path = writeConfig(dir, '{"till_id": "x", ');
  writeFileSync(`${path}.last-good`, '');
  const { logger, lines } = collectingLogger();
  const loaded = await loadConfig({ configPath: path, dataDir: dir, env: {}, logger });
  t.true(loaded.demo);
  t.false(loaded.configExists);
  t.is(loaded.settings.provider.url, null);
  const said = lines.map((l) => JSON.parse(l)).filter((l) => l.level === 'warn' || l.level === 'error');
  t.deepEqual(
    said.map((l) => [l.level, l.msg, l.reason]),
    [
      [
        'error',
        'config file and its last good copy are unusable: starting unprovisioned until the box is provisioned again',
        'corrupt',
      ],
    ],
  );
  t.regex(said[0].detail, /not valid JSON/);
  // The broken file is kept for a post-mortem; provisioning starts from a clean slate.
  t.is(readFileSync(said[0].kept_as, 'utf8'), '{"till_id": "x", ');
  t.false(existsSync(path));
});

test('an atomic write killed between temp write and rename leaves the old file intact', async (t) => {
  const dir = tempDir();
  const path = join(dir, 'config.json');
  writeFileDurably(path, JSON.stringify({ till_id: 'old' }));
  const child = fork(new URL('./fixtures/write-and-hang.ts', import.meta.url), [path], {
    execArgv: ['--import=tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
  });
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  t.is(JSON.parse(readFileSync(path, 'utf8')).till_id, 'old');
  t.true(
    readdirSync(dir).some((f) => f.endsWith('.tmp')),
    'the interrupted temp file is what was lost',
  );
  const { logger } = collectingLogger();
  const loaded = await loadConfig({ configPath: path, dataDir: dir, env: {}, logger });
  t.is(loaded.settings.till_id, 'old');
  t.true(existsSync(`${path}.last-good`));
});

test('a broken last good copy next to a good config is named and replaced', async (t) => {
  const dir = tempDir();
  const path = writeConfig(dir, { till_id: 'till-7' });
  writeFileSync(`${path}.last-good`, '{"till_');
  const { logger, lines } = collectingLogger();
  const loaded = await loadConfig({ configPath: path, dataDir: dir, env: {}, logger });
  t.is(loaded.settings.till_id, 'till-7');
  const line = lines.map((l) => JSON.parse(l)).find((l) => l.level === 'warn');
  t.is(line?.msg, 'last good copy of the config was unusable, replaced from the config file');
  t.is(line?.reason, 'corrupt');
  t.deepEqual(JSON.parse(readFileSync(`${path}.last-good`, 'utf8')), { till_id: 'till-7' });
});

test('a settings change interrupted between its two files is completed at the next start', async (t) => {
  // What a kill right after the intent was written leaves: old config, old secrets, the intent.
  const dir = tempDir();
  const path = writeConfig(dir, { till_id: 'till-7', provider: { url: 'http://old.example' } });
  writeSecrets(join(dir, 'secrets.json'), { provider: { api_key: 'old-key-1111' } });
  writeFileDurably(
    intentPath(path),
    JSON.stringify({
      config_path: path,
      secrets_path: join(dir, 'secrets.json'),
      config: { till_id: 'till-7', provider: { url: 'http://new.example' } },
      secrets: { provider: { api_key: 'new-key-2222' } },
    }),
  );
  const { logger, lines } = collectingLogger();
  const loaded = await loadConfig({ configPath: path, dataDir: dir, env: {}, logger });
  // Both halves of the change, never the new URL with the old key or the reverse.
  t.is(loaded.settings.provider.url, 'http://new.example');
  t.is(loaded.settings.provider.api_key, 'new-key-2222');
  t.false(existsSync(intentPath(path)));
  t.is(statSync(join(dir, 'secrets.json')).mode & 0o777, 0o600);
  const said = lines.map((l) => JSON.parse(l)).filter((l) => l.level === 'warn');
  t.deepEqual(
    said.map((l) => l.msg),
    ['an interrupted settings change was completed (the box lost power or was killed while saving it)'],
  );
  t.false(JSON.stringify(said).includes('new-key-2222'), 'the warning carries no secret');
});

test('temp files of writes killed before their rename are discarded at start and named; a live writer keeps its own', async (t) => {
  const dir = tempDir();
  const path = writeConfig(dir, { till_id: 'till-7' });
  // A pid no process has (pids stay below 2^22 on Linux), and one that runs: this test's parent.
  const dead = join(dir, `.config.json.${2 ** 22 + 1}.tmp`);
  const deadSecrets = join(dir, `.secrets.json.${2 ** 22 + 2}.tmp`);
  const live = join(dir, `.config.json.${process.ppid}.tmp`);
  for (const f of [dead, deadSecrets, live]) writeFileSync(f, '{"till_id": "half');
  const { logger, lines } = collectingLogger();
  const loaded = await loadConfig({ configPath: path, dataDir: dir, env: {}, logger });
  t.is(loaded.settings.till_id, 'till-7', 'the file keeps what it held before');
  t.false(existsSync(dead));
  t.false(existsSync(deadSecrets));
  t.true(existsSync(live), 'another process that is saving right now is left alone');
  const said = lines.map((l) => JSON.parse(l)).filter((l) => l.level === 'warn');
  t.deepEqual(
    said.map((l) => [l.msg, [...l.files].sort()]),
    [
      [
        'unfinished file writes discarded (the box lost power or was killed while saving)',
        [dead, deadSecrets].sort(),
      ],
    ],
  );
});

test('a provider URL without its API key is named like any other invalid setting', async (t) => {
  const err = await loadError({}, { EDGE_PROVIDER_URL: 'https://api.example.com' });
  t.deepEqual(
    err.problems.map((p) => p.path),
    ['provider.api_key'],
  );
  t.regex(err.message, /api_key is required when provider\.url is set/);
});

test('a config that is valid JSON but invalid settings never replaces the last good copy', async (t) => {
  const dir = tempDir();
  const path = join(dir, 'config.json');
  const { logger } = collectingLogger();
  writeFileSync(path, JSON.stringify({ till_id: 'till-good' }));
  await loadConfig({ configPath: path, dataDir: dir, env: {}, logger });
  t.is(JSON.parse(readFileSync(`${path}.last-good`, 'utf8')).till_id, 'till-good');
  writeFileSync(path, JSON.stringify({ till_id: 'not a valid id!' }));
  await t.throwsAsync(loadConfig({ configPath: path, dataDir: dir, env: {}, logger }), {
    instanceOf: ConfigError,
  });
  t.is(JSON.parse(readFileSync(`${path}.last-good`, 'utf8')).till_id, 'till-good');
  // A power cut now still falls back to the last settings that were valid.
  writeFileSync(path, '');
  const loaded = await loadConfig({ configPath: path, dataDir: dir, env: {}, logger });
  t.is(loaded.settings.till_id, 'till-good');
});
