// The udev rules (issue 11): generated from the device profiles, parsed by udev itself.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { regexToGlobs, UnsupportedPattern } from '../../src/appliance/regex-glob.ts';
import { udevRules } from '../../src/appliance/udev-rules.ts';
import { loadProfiles } from '../../src/devices/profiles/index.ts';
import type { Profile } from '../../src/devices/profiles/schema.ts';
import { removeTempDir, tempDir } from '../helpers/cleanup.ts';

const RULES = new URL('../../systemd/70-edge-gateway.rules', import.meta.url);
const committed = () => readFileSync(RULES, 'utf8');

/**
 * udev's own parser on `rules`: `udevadm verify` where this systemd has it (253+), else
 * `udevadm test` in a private mount namespace where the rules directory holds only this file and
 * /etc/group knows the service group (udev resolves group names when it reads the rules). Returns
 * udev's complaints about the file, one per line.
 */
function udevComplaints(rules: string): string[] {
  const dir = tempDir('edge-udev-');
  try {
    const file = join(dir, 'rules.d', '70-edge-gateway.rules');
    spawnSync('mkdir', ['-p', join(dir, 'rules.d')]);
    writeFileSync(file, rules);
    const hasVerify = spawnSync('udevadm', ['verify', '--help']).status === 0;
    if (hasVerify) {
      const r = spawnSync('udevadm', ['verify', file], { encoding: 'utf8' });
      return r.status === 0 ? [] : (r.stderr + r.stdout).trim().split('\n');
    }
    writeFileSync(join(dir, 'group'), `${readFileSync('/etc/group', 'utf8')}edge-gateway:x:64999:\n`);
    const script = [
      `mount --bind ${dir}/rules.d /etc/udev/rules.d`,
      `mount --bind ${dir}/group /etc/group`,
      'udevadm test --action=add /sys/class/tty/tty0 2>&1',
    ].join(' && ');
    const r = spawnSync('unshare', ['--mount', 'sh', '-c', script], { encoding: 'utf8' });
    const out = r.stdout + r.stderr;
    if (!out.includes('Reading rules file: /etc/udev/rules.d/70-edge-gateway.rules')) {
      throw new Error(`udevadm test did not read the rules:\n${out}`);
    }
    // A diagnostic starts with the file name; a rule applied to the device starts with "tty0: ".
    return out.split('\n').filter((l) => l.startsWith('/etc/udev/rules.d/70-edge-gateway.rules'));
  } finally {
    removeTempDir(dir);
  }
}

test('the committed rules are what the profiles generate (regenerate after changing a profile)', (t) => {
  const { profiles, errors } = loadProfiles();
  t.deepEqual(errors, []);
  t.is(committed(), udevRules(profiles));
});

test('udev parses the rules without a complaint, and would complain about a broken line', (t) => {
  t.deepEqual(udevComplaints(committed()), []);
  const broken = udevComplaints(
    `${committed()}\nSUBSYSTEM=="tty", ATTRS{idVendor}=="0c2e", GRUOP="edge-gateway"\n`,
  );
  t.true(
    broken.some((l) => /Invalid key 'GRUOP'/.test(l)),
    broken.join('\n'),
  );
});

test('every profiled vendor and product gets its nodes for the service group; nothing else is matched', (t) => {
  const rules = committed();
  const { profiles } = loadProfiles();
  for (const p of profiles) {
    for (const r of p.match) {
      if (r.vendorId === undefined) continue;
      const vid = r.vendorId.toString(16).padStart(4, '0');
      const node = r.transport === 'serial' ? 'tty' : 'hidraw';
      t.regex(rules, new RegExp(`SUBSYSTEM=="${node}", ATTRS\\{idVendor\\}=="${vid}".*PROFILE\\}="${p.id}"`));
      if (r.transport !== 'serial') {
        t.regex(rules, new RegExp(`ATTR\\{idVendor\\}=="${vid}".*PROFILE\\}="${p.id}"`), 'libusb node');
      }
    }
  }
  const lines = rules.split('\n').filter((l) => l && !l.startsWith('#'));
  // The only lines without a match key are the common tail: access, names, labels.
  const unconditional = lines.filter((l) => !/==|!=/.test(l));
  t.deepEqual(unconditional, [
    'GROUP="edge-gateway", MODE="0660"',
    'IMPORT{builtin}="usb_id"',
    'LABEL="edge_gateway_end"',
  ]);
  // Group and mode are set only after untagged devices jumped to the end.
  const skipUntagged = lines.indexOf('ENV{EDGE_GATEWAY_PROFILE}!="?*", GOTO="edge_gateway_end"');
  t.true(skipUntagged >= 0 && skipUntagged < lines.indexOf('GROUP="edge-gateway", MODE="0660"'));
  t.regex(rules, /SUBSYSTEM=="tty", SYMLINK\+="edge-scanner-\$env\{ID_SERIAL_SHORT\}"/);
  // ModemManager is kept off the scanner vendors' ports, not off every USB tty (an LTE stick).
  t.regex(rules, /SUBSYSTEM=="tty", ATTRS\{idVendor\}=="0c2e", .*ENV\{ID_MM_DEVICE_IGNORE\}="1"/);
  t.notRegex(rules, /KERNEL=="ttyACM\[0-9\]\*\|ttyUSB\[0-9\]\*".*ID_MM_DEVICE_IGNORE/);
});

test('profile patterns become udev globs; what udev cannot express is refused by name', (t) => {
  t.deepEqual(regexToGlobs('^/dev/tty(ACM|USB)[0-9]+$', false), ['/dev/ttyACM[0-9]*', '/dev/ttyUSB[0-9]*']);
  t.deepEqual(regexToGlobs('ic ?card', true), ['*[iI][cC] [cC][aA][rR][dD]*', '*[iI][cC][cC][aA][rR][dD]*']);
  t.deepEqual(regexToGlobs('13\\.56|\\bscan', true), ['*13.56*', '*[sS][cC][aA][nN]*']);
  t.throws(() => regexToGlobs('scan{2}', true), { instanceOf: UnsupportedPattern, message: /'\{'/ });
  t.throws(() => regexToGlobs('[^0-9]', false), { instanceOf: UnsupportedPattern });
  t.throws(() => regexToGlobs('\\d+', false), { instanceOf: UnsupportedPattern, message: /\\d/ });

  const catchAll = { id: 'any', name: 'any', match: [{ transport: 'serial' }] } as unknown as Profile;
  t.throws(() => udevRules([catchAll]), { message: /needs a vendor, product or path/ });
});
