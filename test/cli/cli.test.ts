import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { TEST_ENVIRONMENT } from '../../src/config/env.ts';
import { hashPassword } from '../../src/config/password.ts';
import { runCli } from '../helpers/cli.ts';
import { connect, nextMessages, recorder, tempDir } from '../helpers/gateway.ts';

test('start with no config runs demo mode, prints ready, and SIGTERM publishes offline and exits 0', async (t) => {
  t.timeout(30_000);
  const dir = tempDir();
  const run = runCli(['start'], { EDGE_DATA_DIR: dir, EDGE_MQTT_PORT: '0', EDGE_HTTP_PORT: '0' });
  t.teardown(() => run.child.kill('SIGKILL'));
  const ready = await run.ready;
  t.true(ready.demo);
  t.is(ready.level, 'info');
  t.is(typeof ready.ts, 'string');
  const client = await connect(`mqtt://127.0.0.1:${ready.mqtt_port}`);
  const [online] = await nextMessages(client, 'pos/demo-till/gateway/state');
  t.deepEqual(online!.payload, { state: 'online' });

  const status = await fetch(`http://127.0.0.1:${ready.http_port}/api/status`).then((r) => r.json());
  t.is(status.till_id, 'demo-till');
  t.is((await fetch(`http://127.0.0.1:${ready.http_port}/healthz`)).status, 200);

  const states = await recorder(client, 'pos/demo-till/gateway/state');
  run.child.kill('SIGTERM');
  const offline = await states.until((m) => m.payload.state === 'offline');
  t.deepEqual(offline.payload, { state: 'offline' });
  // The process exits 0 only when its stop finished inside the 2 s budget (else it exits 1).
  t.is(await run.exited, 0);
  client.end(true);
  t.true(run.lines.some((l) => l.msg === 'stopped'));
});

test('the ready line is printed whatever the log level (scripts wait for it), and nothing else at warn', async (t) => {
  t.timeout(30_000);
  const run = runCli(['start'], {
    EDGE_DATA_DIR: tempDir(),
    EDGE_MQTT_PORT: '0',
    EDGE_HTTP_PORT: '0',
    EDGE_LOG_LEVEL: 'warn',
  });
  t.teardown(() => run.child.kill('SIGKILL'));
  const ready = await run.ready;
  t.is(ready.msg, 'ready');
  t.true(run.lines.every((l) => l.msg === 'ready' || l.level === 'warn' || l.level === 'error'));
  run.child.kill('SIGTERM');
  t.is(await run.exited, 0);
});

test('start with an invalid config exits 3 and names every problem, without a stack trace', async (t) => {
  const dir = tempDir();
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ mqtt: { port: -1 }, till_id: '' }));
  const run = runCli(['start', '--config', config], { EDGE_DATA_DIR: dir, EDGE_LOG_LEVEL: 'silent' });
  t.is(await run.exited, 3);
  const err = run.stderr.join('');
  t.regex(err, /mqtt\.port/);
  t.regex(err, /till_id/);
  t.regex(err, /2 problems/);
  t.notRegex(err, /\s+at .*\.ts:\d+/);
});

test('config check prints the settings without secrets, and a bad command is a usage error', async (t) => {
  const dir = tempDir();
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      till_id: 'T7',
      mqtt: { users: [{ username: 'till-7', password_hash: await hashPassword('pw-of-till-7') }] },
    }),
  );
  const ok = runCli(['config', 'check', '--config', config], {
    EDGE_DATA_DIR: dir,
    EDGE_PROVIDER_URL: 'http://127.0.0.1:9',
    EDGE_PROVIDER_API_KEY: 'sk-very-secret',
  });
  t.is(await ok.exited, 0);
  t.is(ok.stderr.join(''), '', 'a valid config is checked without a warning');
  const text = ok.stdout.join('');
  t.false(text.includes('sk-very-secret'));
  t.false(text.includes('scrypt$'), 'password hashes are secrets too');
  // One pretty JSON document, not log lines: the file's, the environment's and the defaults' values.
  const doc = JSON.parse(text);
  t.like(doc, {
    ok: true,
    config_file: config,
    config_file_exists: true,
    data_dir: dir,
    demo: false,
    settings: {
      till_id: 'T7',
      branch_id: 'demo-branch',
      data_dir: dir,
      provider: { url: 'http://127.0.0.1:9', booking_window_ms: 2000 },
      mqtt: { port: 1883, users: [{ username: 'till-7' }] },
    },
  });
  t.false('api_key' in doc.settings.provider);
  t.false('password_hash' in doc.settings.mqtt.users[0]);

  const bad = runCli(['frobnicate'], { EDGE_DATA_DIR: dir });
  t.is(await bad.exited, 2);
  t.regex(bad.stderr.join(''), /unknown command/);
});

test('config hash-password turns a password on stdin into a scrypt hash', async (t) => {
  const run = runCli(['config', 'hash-password']);
  run.child.stdin!.end('correct horse\n');
  t.is(await run.exited, 0);
  t.regex(String(run.lines[0]), /^scrypt\$16384\$8\$1\$/);
});

test('simulate-provider serves the provider API on its own and stops on SIGTERM', async (t) => {
  t.timeout(30_000);
  const run = runCli(['simulate-provider', '--port', '0']);
  t.teardown(() => run.child.kill('SIGKILL'));
  const ready = await run.ready;
  const res = await fetch(`${ready.url}/api/v1/pos/customers/lookup?code=HA-K7QW3MZD5RTXP2LN&entry=scan`, {
    headers: { authorization: 'API-Key sim-api-key' },
  });
  t.is(res.status, 200);
  t.is((await res.json()).customer_ref, 'C-1001');
  run.child.kill('SIGTERM');
  t.is(await run.exited, 0);
});

test("--help lists the environment variables a user sets, not the tests' own", async (t) => {
  const help = runCli(['--help']);
  t.is(await help.exited, 0);
  const env = help.stdout
    .join('')
    .split('\n')
    .find((l) => l.startsWith('Environment: '));
  t.truthy(env);
  t.regex(env!, /\bEDGE_DATA_DIR\b/);
  t.regex(env!, /\bEDGE_PROVIDER_URL\b/);
  for (const name of Object.keys(TEST_ENVIRONMENT)) t.false(env!.includes(name), name);
  t.notRegex(help.stdout.join(''), /EDGE_TEST_/);
});

test('<command> --help prints that command only; an unknown option or a missing value is named, exit 2', async (t) => {
  const help = runCli(['config', '--help']);
  t.is(await help.exited, 0);
  const out = help.stdout.join('');
  t.regex(out, /edge-gateway config check/);
  t.regex(out, /edge-gateway config hash-password/);
  t.notRegex(out, /edge-gateway start/, 'only the asked command');
  t.regex(out, /Exit codes: 0 ok/);

  const bogus = runCli(['status', '--bogus']);
  t.is(await bogus.exited, 2);
  const said = bogus.stderr.join('');
  t.true(said.startsWith('unknown option: --bogus\n'), said);
  t.regex(said, /edge-gateway status \[--json\]/);
  t.notRegex(said, /positional/, "not node:util's hint about positionals");

  const missing = runCli(['provision', '--till-id']);
  t.is(await missing.exited, 2);
  t.true(missing.stderr.join('').startsWith('option --till-id needs a value\n'));
});

test('provision: a new till login without a password is named once, by its flag; nothing to provision lists the flags', async (t) => {
  const dir = tempDir();
  const noPassword = runCli(['provision', '--till-login', 'till7'], { EDGE_DATA_DIR: dir });
  t.is(await noPassword.exited, 3);
  const problems = noPassword.stderr
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('  - '));
  t.deepEqual(problems, [
    '  - mqtt.users.0.password_hash (--till-login): a new till login needs a password; got nothing',
  ]);
  const nothing = runCli(['provision'], { EDGE_DATA_DIR: dir });
  t.is(await nothing.exited, 2);
  t.regex(
    nothing.stderr.join(''),
    /nothing to provision: give --file FILE or flags \(--till-id, .*--till-login USER:PASSWORD\[:TILL\]\)/,
  );
});
