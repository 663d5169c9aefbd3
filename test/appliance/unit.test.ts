// The service unit (issue 11): systemd's own checks on it, and the hardening it promises.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { tempDir } from '../helpers/gateway.ts';
import { readUnit, UNIT_PATH, value, values } from './helpers/unit-file.ts';

const README = new URL('../../README.md', import.meta.url);

function analyze(args: string[]) {
  return spawnSync('systemd-analyze', args, { encoding: 'utf8' });
}

test('systemd-analyze verify accepts the unit without a single complaint', (t) => {
  // verify exits 0 on unknown keys and bad values (it ignores them, as systemd would): so any
  // output at all counts as a failure. --man=no: no man pages are installed here.
  const ok = analyze(['verify', '--man=no', UNIT_PATH]);
  t.is(ok.status, 0, ok.stderr);
  t.is(ok.stderr + ok.stdout, '');

  // And it would notice: a copy with a misspelt key and a bad value.
  const broken = join(tempDir(), 'edge-gateway.service');
  writeFileSync(
    broken,
    readFileSync(UNIT_PATH, 'utf8')
      .replace(/^Type=notify$/m, 'Typ=notify')
      .replace(/^ProtectSystem=strict$/m, 'ProtectSystem=strictly'),
  );
  const bad = analyze(['verify', '--man=no', broken]);
  t.regex(bad.stderr, /Unknown key 'Typ'/);
  t.regex(bad.stderr, /protect system value.*strictly/);
});

test('the unit is Type=notify with a watchdog, restart limits and a dedicated user', (t) => {
  const unit = readUnit();
  t.is(value(unit, 'Service', 'Type'), 'notify');
  t.is(value(unit, 'Service', 'NotifyAccess'), 'main', 'only the main process may notify');
  t.is(value(unit, 'Service', 'WatchdogSec'), '20s');
  t.is(value(unit, 'Service', 'Restart'), 'always');
  t.is(value(unit, 'Unit', 'StartLimitIntervalSec'), '600');
  t.is(value(unit, 'Unit', 'StartLimitBurst'), '10');
  t.is(value(unit, 'Service', 'RestartPreventExitStatus'), '3', 'an invalid config is not restarted');
  t.is(
    value(unit, 'Service', 'ExecReload'),
    '/bin/kill -HUP $MAINPID',
    'reload applies provisioned settings',
  );
  t.is(value(unit, 'Service', 'User'), 'edge-gateway');
  t.is(value(unit, 'Service', 'Group'), 'edge-gateway');
  t.deepEqual(values(unit, 'Service', 'Environment'), [
    'NODE_ENV=production',
    'EDGE_DATA_DIR=/var/lib/edge-gateway',
    // The technician's phone on the shop LAN reaches the page, claimed or not.
    'EDGE_HTTP_HOST=0.0.0.0',
  ]);
  // EnvironmentFile= wins over Environment= (systemd.exec(5)): a shop's /etc/default/edge-gateway can narrow it.
  t.is(value(unit, 'Service', 'EnvironmentFile'), '-/etc/default/edge-gateway');
  t.regex(value(unit, 'Service', 'ExecStart'), /--config \/var\/lib\/edge-gateway\/config\.json$/);
  t.is(value(unit, 'Service', 'LimitCORE'), '0', 'no core dump can hold a card read');
});

test('the unit asserts its hardening: read-only system, the data dir the only writable path, no privileges', (t) => {
  const unit = readUnit();
  const s = (key: string) => value(unit, 'Service', key);
  t.is(s('NoNewPrivileges'), 'yes');
  t.is(s('ProtectSystem'), 'strict');
  t.is(s('ProtectHome'), 'yes');
  t.is(s('PrivateTmp'), 'yes');
  t.deepEqual(values(unit, 'Service', 'ReadWritePaths'), ['/var/lib/edge-gateway']);
  t.is(s('StateDirectory'), 'edge-gateway');
  t.is(s('StateDirectoryMode'), '0700');
  t.is(s('UMask'), '0077');
  t.deepEqual(values(unit, 'Service', 'CapabilityBoundingSet'), [''], 'an empty bounding set');
  t.deepEqual(values(unit, 'Service', 'AmbientCapabilities'), ['']);
  t.deepEqual(values(unit, 'Service', 'SystemCallFilter'), [
    '@system-service',
    '~@privileged @resources @obsolete @mount @debug @cpu-emulation @raw-io @reboot @swap @module @clock',
    'pkey_alloc pkey_free pkey_mprotect',
    'setpriority',
  ]);
  t.is(s('SystemCallArchitectures'), 'native');
  t.deepEqual(s('RestrictAddressFamilies').split(/\s+/).sort(), [
    'AF_INET',
    'AF_INET6',
    'AF_NETLINK',
    'AF_UNIX',
  ]);
  t.is(s('DevicePolicy'), 'closed');
  t.deepEqual(values(unit, 'Service', 'DeviceAllow'), [
    'char-hidraw rw',
    'char-usb_device rw',
    'char-ttyACM rw',
    'char-ttyUSB rw',
  ]);
  for (const key of [
    'ProtectKernelTunables',
    'ProtectKernelModules',
    'ProtectKernelLogs',
    'ProtectControlGroups',
    'ProtectClock',
    'ProtectHostname',
    'PrivateIPC',
    'PrivateMounts',
    'RestrictSUIDSGID',
    'RestrictRealtime',
    'RestrictNamespaces',
    'LockPersonality',
    'RemoveIPC',
  ]) {
    t.is(s(key), 'yes', key);
  }
});

test('systemd-analyze security: the exposure the README states, and no worse', (t) => {
  const run = analyze(['security', '--offline=yes', '--no-pager', UNIT_PATH]);
  t.is(run.status, 0, run.stderr);
  const level = /Overall exposure level for edge-gateway\.service: (\d+\.\d)/.exec(run.stdout);
  t.truthy(level, run.stdout.slice(-400));
  const exposure = Number(level![1]);
  // 1.6 since the gateway lowers its helper threads' priority (setpriority, README "Hardening").
  t.true(exposure <= 1.6, `exposure ${exposure}`);
  // --threshold is in tenths: the same bar as systemd itself would enforce it.
  const bar = analyze(['security', '--offline=yes', '--threshold=16', UNIT_PATH]);
  t.is(bar.status, 0);
  const readme = readFileSync(README, 'utf8');
  t.regex(readme, new RegExp(`exposure level \\*\\*${level![1]!.replace('.', '\\.')}\\*\\*`));
});
