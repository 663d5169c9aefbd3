// scripts/provision (issue 11): headless provisioning through `edge-gateway provision` and
// `edge-gateway claim`, run here against a temp data directory with this checkout's command line.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { BIN } from '../helpers/cli.ts';
import { tempDir } from '../helpers/gateway.ts';

const run = promisify(execFile);
const SCRIPT = new URL('../../scripts/provision', import.meta.url).pathname;

function box() {
  const dataDir = tempDir();
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    EDGE_GATEWAY_CLI: `${process.execPath} ${BIN}`,
    EDGE_DATA_DIR: dataDir,
    EDGE_LOG_LEVEL: 'warn',
  };
  const provision = async (...args: string[]) => {
    try {
      const r = await run('bash', [SCRIPT, ...args], { env });
      return { code: 0, out: r.stdout, err: r.stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { code: x.code, out: x.stdout, err: x.stderr };
    }
  };
  const check = async () =>
    JSON.parse((await run(process.execPath, [BIN, 'config', 'check'], { env })).stdout) as {
      settings: Record<string, any>;
    };
  return { dataDir, provision, check };
}

test('provisions till, branch, provider and a till login; secrets come from files and are never printed', async (t) => {
  t.timeout(60_000);
  const b = box();
  const key = join(tempDir(), 'api-key');
  writeFileSync(key, 'pk-live-0123456789\n', { mode: 0o600 });
  const r = await b.provision(
    ...['--till-id', 'T9', '--branch-id', 'B4', '--provider-url', 'https://loyalty.example/api'],
    ...['--provider-api-key-file', key, '--till-login', 'till9:s3cret-pass-word', '--no-reload'],
  );
  t.is(r.code, 0, r.err);
  t.regex(r.out, /provisioned: .*till_id/);
  t.regex(r.out, /apply them with: systemctl reload edge-gateway/);
  t.false((r.out + r.err).includes('pk-live-0123456789'));
  t.false((r.out + r.err).includes('s3cret-pass-word'));

  const { settings } = await b.check();
  t.like(settings, { till_id: 'T9', branch_id: 'B4', provider: { url: 'https://loyalty.example/api' } });
  t.is(settings.provider.api_key, undefined, 'config check shows no secret');
  t.deepEqual(
    settings.mqtt.users.map((u: { username: string }) => u.username),
    ['till9'],
  );
  const secrets = join(b.dataDir, 'secrets.json');
  t.is(statSync(secrets).mode & 0o777, 0o600);
  t.is(JSON.parse(readFileSync(secrets, 'utf8')).provider.api_key, 'pk-live-0123456789');
  t.false(readFileSync(join(b.dataDir, 'config.json'), 'utf8').includes('s3cret-pass-word'), 'hashed');

  const again = await b.provision('--till-id', 'T9', '--no-reload');
  t.is(again.code, 0);
  t.regex(again.out, /nothing changed/);
});

test('a settings file works like the flags, flags win; an invalid setting is named and exits 3, nothing written', async (t) => {
  t.timeout(60_000);
  const b = box();
  const file = join(tempDir(), 'box.json');
  writeFileSync(
    file,
    JSON.stringify({ till_id: 'T1', branch_id: 'B1', uplink: { url: 'mqtts://ops.example:8883' } }),
  );
  const r = await b.provision('--file', file, '--till-id', 'T2', '--no-reload');
  t.is(r.code, 0, r.err);
  t.like((await b.check()).settings, {
    till_id: 'T2',
    branch_id: 'B1',
    uplink: { url: 'mqtts://ops.example:8883' },
  });

  const bad = await b.provision('--till-id', 'no spaces allowed', '--no-reload');
  t.is(bad.code, 3);
  t.regex(bad.err, /till_id/);
  t.is((await b.check()).settings.till_id, 'T2', 'the valid settings stay');
});

test('claims the box with a technician password from a file; usage errors exit 2', async (t) => {
  t.timeout(60_000);
  const b = box();
  const pw = join(tempDir(), 'tech');
  writeFileSync(pw, 'a-long-technician-passphrase\n', { mode: 0o600 });
  const r = await b.provision('--technician-password-file', pw);
  t.is(r.code, 0, r.err);
  t.regex(r.out, /technician password set: the box is claimed/);
  t.false(existsSync(join(b.dataDir, 'setup-code')));

  t.is((await b.provision()).code, 2);
  t.is((await b.provision('--bogus')).code, 2);
  t.is((await b.provision('--till-id')).code, 2);
  const help = await b.provision('--help');
  t.is(help.code, 0);
  t.regex(help.out, /--technician-password-file/);
});
