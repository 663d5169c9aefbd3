// A start that fails says why in its exit code (the catalogue in src/errors.ts) and on stderr, so
// systemd and a technician's script can tell a taken port from a broken database.
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import test from 'ava';
import Database from 'better-sqlite3';
import { EXIT_CODES } from '../../src/errors.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/gateway.ts';

const quiet = { EDGE_LOG_LEVEL: 'silent', EDGE_HTTP_PORT: '0' };

test('a taken MQTT port exits port_in_use and names the part', async (t) => {
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  t.teardown(() => taken.close());
  const { port } = taken.address() as { port: number };
  const run = runCli(['start'], { ...quiet, EDGE_DATA_DIR: tempDir(), EDGE_MQTT_PORT: String(port) });
  t.is(await run.exited, EXIT_CODES.port_in_use);
  t.regex(run.stderr.join(''), /broker failed to start: .*EADDRINUSE/);
  t.regex(run.stderr.join(''), /exit 4 port_in_use/);
});

test('an outbox written by a newer gateway exits outbox_too_new and is left as it was', async (t) => {
  const dir = tempDir();
  const db = new Database(join(dir, 'outbox.sqlite'));
  db.pragma('user_version = 999');
  db.close();
  // A box with a provider: the built-in simulator of demo mode keeps an outbox file of its own.
  const provider = { EDGE_PROVIDER_URL: 'http://127.0.0.1:9', EDGE_PROVIDER_API_KEY: 'key-of-the-box' };
  const run = runCli(['start'], { ...quiet, ...provider, EDGE_DATA_DIR: dir, EDGE_MQTT_PORT: '0' });
  t.is(await run.exited, EXIT_CODES.outbox_too_new);
  t.regex(run.stderr.join(''), /loyalty failed to start: outbox database has schema version 999/);
  const after = new Database(join(dir, 'outbox.sqlite'), { readonly: true });
  t.is(after.pragma('user_version', { simple: true }), 999);
  after.close();
});

test('a data directory that cannot be created exits data_dir_unwritable', async (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, 'a-file'), '');
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ data_dir: join(dir, 'a-file', 'data') }));
  const run = runCli(['start', '--config', config], { ...quiet, EDGE_MQTT_PORT: '0' });
  t.is(await run.exited, EXIT_CODES.data_dir_unwritable);
  t.regex(run.stderr.join(''), /data directory .*a-file.data is not usable: ENOTDIR/);
});
