// scripts/install for real (issue 11), into a temporary root (--prefix) from a temporary copy of
// this checkout (so the upgrade test can change "the next version"): the files, owners and modes it
// puts in place, a second run that changes nothing, an upgrade that keeps the data directory and
// the outbox, --uninstall that keeps the data, --purge that does not. The installed app is run as
// the unit runs it, under strace, to check the unit's SystemCallFilter= against what it really calls.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';
import { openOutboxStore } from '../../src/outbox/store.ts';
import { runGatewayProcess } from '../helpers/cli.ts';
import { connect, recorder, tempDir } from '../helpers/gateway.ts';
import { startPtyPair } from '../helpers/pty.ts';
import { unitNodeFlags } from '../helpers/unit-flags.ts';
import { notifySocket } from './helpers/notify-socket.ts';
import { differences, type Entry, listing } from './helpers/root-listing.ts';
import { allowedSyscalls, syscallsIn } from './helpers/syscalls.ts';
import { readUnit, values } from './helpers/unit-file.ts';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const STOCK_BOOT = '# stock Raspberry Pi OS\n[pi4]\narm_boost=1\n\n[all]\ndtparam=audio=on\n';

const checkout = tempDir('edge-checkout-');
const root = tempDir('edge-root-');
const hostHadUnit = existsSync('/etc/systemd/system/edge-gateway.service');
const hostHadUser = /^edge-gateway:/m.test(readFileSync('/etc/passwd', 'utf8'));

async function install(...args: string[]) {
  try {
    const r = await run('bash', [join(checkout, 'scripts/install'), '--prefix', root, ...args], {
      maxBuffer: 16 << 20,
    });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

const fileIn = (rel: string) => readFileSync(join(root, rel), 'utf8');
const get = (l: Map<string, Entry>, rel: string) => {
  const e = l.get(rel);
  if (!e) throw new Error(`${rel} is not installed`);
  return e;
};
const sha = (l: Map<string, Entry>, rel: string) => get(l, rel).content;

test.before(async () => {
  // The checkout as a technician has it, with its dependencies and a build (npm ci, npm run build).
  await run('rsync', [
    '-a',
    '--exclude=/.git',
    '--exclude=/dist',
    '--exclude=/.edge-data',
    `${REPO}/`,
    `${checkout}/`,
  ]);
  // A clone, pull or rebase leaves the lock file newer than the npm ci it matches: the install
  // still reuses node_modules (it compares contents): the run from a checkout without a build below
  // says nothing but "up to date", no npm install.
  const now = new Date();
  utimesSync(join(checkout, 'package-lock.json'), now, now);
  await run(join(checkout, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], { cwd: checkout });
  chmodSync(root, 0o755); // a root directory, as / is: the service user must reach /opt in it
  mkdirSync(join(root, 'boot/firmware'), { recursive: true });
  writeFileSync(join(root, 'boot/firmware/config.txt'), STOCK_BOOT);
});

// The checkout copy holds a full node_modules: never leave it behind in /tmp.
test.after.always(() => {
  rmSync(checkout, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

test.serial(
  'install into an empty root: the expected files, owners and modes; a second run changes nothing',
  async (t) => {
    t.timeout(300_000);
    const first = await install();
    t.is(first.code, 0, first.out);
    t.regex(first.out, /done$/m);
    const l = listing(root);

    const opt = 'opt/edge-gateway';
    t.like(get(l, opt), { type: 'dir', mode: '0755', owner: 'root:root' });
    t.like(get(l, `${opt}/bin/edge-gateway.js`), { type: 'file', mode: '0755', owner: 'root:root' });
    t.like(get(l, `${opt}/dist/cli.js`), { type: 'file', mode: '0644', owner: 'root:root' });
    for (const dep of ['better-sqlite3', 'koffi', 'aedes', 'mqtt', 'serialport', 'node-hid', 'zod']) {
      t.true(l.has(`${opt}/node_modules/${dep}/package.json`), `production dependency ${dep}`);
    }
    for (const dev of ['typescript', 'ava', '@biomejs/biome', 'playwright-core', '@types/better-sqlite3']) {
      t.false(l.has(`${opt}/node_modules/${dev}`), `development dependency ${dev} is not installed`);
    }
    for (const absent of ['test', 'bench', '.git', '.ci', 'tsconfig.json'])
      t.false(l.has(`${opt}/${absent}`));
    // Of src/ only the status page's files, which the web part serves (src/web/assets.ts); no code.
    t.like(get(l, `${opt}/src/web/assets/index.html`), { type: 'file', mode: '0644', owner: 'root:root' });
    t.deepEqual(
      [...l.keys()].filter((p) => p.startsWith(`${opt}/src/`) && !p.startsWith(`${opt}/src/web`)),
      [],
    );
    t.false([...l.keys()].some((p) => p.startsWith(`${opt}/src/`) && p.endsWith('.ts')));
    t.false([...l.keys()].some((p) => p.startsWith(`${opt}/dist/`) && p.endsWith('.map')));
    const writable = [...l].filter(
      ([p, e]) => p.startsWith(opt) && e.type !== 'link' && /[2367]/.test(e.mode.slice(2)),
    );
    t.deepEqual(writable, [], 'nothing in the app is writable by group or others');
    t.true(
      [...l].every(([p, e]) => !p.startsWith(opt) || e.owner === 'root:root'),
      'the app belongs to root',
    );

    const repoSha = (rel: string) =>
      createHash('sha256')
        .update(readFileSync(join(checkout, rel)))
        .digest('hex');
    t.like(get(l, 'etc/systemd/system/edge-gateway.service'), { mode: '0644', owner: 'root:root' });
    t.is(sha(l, 'etc/systemd/system/edge-gateway.service'), repoSha('systemd/edge-gateway.service'));
    t.like(get(l, 'etc/systemd/system/multi-user.target.wants/edge-gateway.service'), {
      type: 'link',
      content: '/etc/systemd/system/edge-gateway.service',
    });
    t.like(get(l, 'etc/udev/rules.d/70-edge-gateway.rules'), { mode: '0644', owner: 'root:root' });
    t.is(sha(l, 'etc/udev/rules.d/70-edge-gateway.rules'), repoSha('systemd/70-edge-gateway.rules'));
    t.like(get(l, 'etc/sysusers.d/edge-gateway.conf'), { mode: '0644' });
    t.like(get(l, 'etc/tmpfiles.d/edge-gateway.conf'), { mode: '0644' });
    t.like(get(l, 'usr/local/bin/edge-gateway'), { mode: '0755', owner: 'root:root' });
    t.regex(fileIn('etc/systemd/system.conf.d/edge-gateway-watchdog.conf'), /^RuntimeWatchdogSec=15s$/m);

    // The service user exists in the root, not on this machine; it owns the data directory alone.
    t.regex(
      fileIn('etc/passwd'),
      /^edge-gateway:x:(\d+):\1:Till edge gateway:\/var\/lib\/edge-gateway:\/usr\/sbin\/nologin$/m,
    );
    t.like(get(l, 'var/lib/edge-gateway'), { type: 'dir', mode: '0700', owner: 'edge-gateway:edge-gateway' });
    t.is(existsSync('/etc/systemd/system/edge-gateway.service'), hostHadUnit, 'the host is untouched');
    t.is(/^edge-gateway:/m.test(readFileSync('/etc/passwd', 'utf8')), hostHadUser);

    // The boot fragment goes after the stock settings, once, between its markers.
    const boot = fileIn('boot/firmware/config.txt');
    const fragment = readFileSync(join(checkout, 'firmware-config/raspberry-pi/config.txt'), 'utf8');
    t.is(boot, `${STOCK_BOOT}\n# >>> edge-gateway\n${fragment}# <<< edge-gateway\n`);

    const second = await install();
    t.is(second.code, 0, second.out);
    t.regex(second.out, /up to date, nothing changed/);
    t.deepEqual(differences(l, listing(root)), [], 'not a file written, not a mode or owner changed');
  },
);

/** What a run said besides the note about this machine's Node.js (20 here; 22/24 on a box). */
const said = (out: string) =>
  out.split('\n').filter((l) => l !== '' && !/^edge-gateway install: note: Node\.js v\d/.test(l));

test.serial(
  'again from a checkout without a build (a fresh npm ci) and from the installed copy in /opt: no warning, nothing changed',
  async (t) => {
    t.timeout(300_000);
    const before = listing(root);
    // The app is then built in the staging copy: the same files as `npm run build` made.
    const dist = join(checkout, 'dist');
    renameSync(dist, `${dist}.aside`);
    try {
      // Against what the first test installed, so this is the second run on that tree.
      const again = await install();
      t.is(again.code, 0, again.out);
      t.deepEqual(said(again.out), ['edge-gateway install: up to date, nothing changed']);
    } finally {
      renameSync(`${dist}.aside`, dist);
    }
    // A technician without the clone runs the copy the install left: it has dist/, no sources.
    const installed = await run('bash', [join(root, 'opt/edge-gateway/scripts/install'), '--prefix', root]);
    t.deepEqual(said(installed.stdout + installed.stderr), [
      'edge-gateway install: up to date, nothing changed',
    ]);
    t.deepEqual(differences(before, listing(root)), []);
  },
);

test.serial(
  'every system call the installed gateway makes, run as the unit runs it, is allowed by its SystemCallFilter=',
  async (t) => {
    t.timeout(180_000);
    const unit = readUnit();
    const allowed = await allowedSyscalls(values(unit, 'Service', 'SystemCallFilter'));
    const sock = await notifySocket(t);
    const pty = await startPtyPair();
    t.teardown(() => pty.close());
    // As the unit runs it: not as root (SQLite, for one, calls fchown only as root), so the files
    // it touches are the user's. strace stays root to trace; -u runs the gateway as `nobody`.
    const nobody = 65534;
    const dataDir = tempDir();
    chownSync(dataDir, nobody, nobody);
    chownSync(realpathSync(pty.device), nobody, nobody);
    chmodSync(dirname(pty.device), 0o755);
    chmodSync(sock.path, 0o666);
    chmodSync(dirname(sock.path), 0o755);
    const trace = join(tempDir(), 'trace');
    const gateway = join(root, 'opt/edge-gateway/bin/edge-gateway.js');
    const gw = runGatewayProcess(
      'strace',
      ['-f', '-qq', '-u', 'nobody', '-o', trace, '/usr/bin/node', ...unitNodeFlags(), gateway, 'start'],
      {
        NODE_ENV: 'production',
        EDGE_DATA_DIR: dataDir,
        EDGE_MQTT_PORT: '0',
        EDGE_HTTP_PORT: '0',
        EDGE_SERIAL_DEVICES: `${pty.device}=generic-serial`,
        NOTIFY_SOCKET: sock.path,
        WATCHDOG_USEC: '2000000',
      },
    );
    // Signals go to the gateway itself: strace detaches on SIGTERM and would leave it running.
    const gatewayPid = async () => {
      for (;;) {
        const kids = readFileSync(`/proc/${gw.child.pid}/task/${gw.child.pid}/children`, 'utf8').trim();
        if (kids) return Number(kids.split(' ')[0]);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    t.teardown(async () => {
      if (gw.child.exitCode !== null) return;
      process.kill(await gatewayPid(), 'SIGKILL');
      gw.child.kill('SIGKILL');
    });
    const ready = await gw.ready;

    // What a till and a technician do: a scan from the serial scanner, a test scan, a booking through
    // the outbox to the simulator, the status page; and the watchdog probing the broker.
    const till = await connect(`mqtt://127.0.0.1:${ready.mqtt_port}`);
    t.teardown(() => till.end(true));
    const events = await recorder(till, 'pos/demo-till/#');
    pty.write('4006381333931\r');
    await events.until((m) => m.topic === 'pos/demo-till/scan' && m.payload.text === '4006381333931', 20_000);
    await till.publishAsync(
      'pos/demo-till/request/gateway/test_scan',
      JSON.stringify({ transaction: 's1', text: 'HELLO' }),
    );
    await events.until((m) => m.topic === 'pos/demo-till/response/gateway/test_scan', 20_000);
    const turnover = {
      transaction: 't1',
      customer_ref: 'C-1001',
      receipt_number: 'R1',
      amount_cents: 1250,
      currency: 'EUR',
    };
    await till.publishAsync('pos/demo-till/request/loyalty/turnover', JSON.stringify(turnover));
    const booked = await events.until((m) => m.topic === 'pos/demo-till/response/loyalty/turnover', 20_000);
    t.is(booked.payload.status, 'ok');
    t.is((await fetch(`http://127.0.0.1:${ready.http_port}/api/status`)).status, 200);
    const readyAt = sock.messages.findIndex((m) => m.text.startsWith('READY=1'));
    t.true(readyAt >= 0, JSON.stringify(gw.lines.filter((l) => l.level === 'error')));
    await sock.until((m) => m.text === 'WATCHDOG=1', readyAt + 1, 30_000);
    process.kill(await gatewayPid(), 'SIGTERM');
    t.is(await gw.exited, 0, gw.stderr.join(''));

    const used = syscallsIn(readFileSync(trace, 'utf8'));
    t.true(used.size > 50, `traced ${used.size} system calls`);
    t.deepEqual([...used].filter((s) => !allowed.has(s)).sort(), [], 'system calls the unit would refuse');
  },
);

test.serial(
  'an upgrade replaces the app, keeps the data directory and the outbox, and keeps Wi-Fi on once asked',
  async (t) => {
    t.timeout(300_000);
    const data = join(root, 'var/lib/edge-gateway');
    const uid = Number(/^edge-gateway:x:(\d+):/m.exec(fileIn('etc/passwd'))![1]);
    // What a running box has in its data directory, written as the service writes it.
    writeFileSync(join(data, 'config.json'), JSON.stringify({ till_id: 'T7', branch_id: 'B2' }));
    writeFileSync(join(data, 'secrets.json'), JSON.stringify({ provider: { api_key: 'k-1234' } }), {
      mode: 0o600,
    });
    const store = openOutboxStore({ path: join(data, 'outbox.sqlite') });
    const queued = store.enqueue({
      key: 'T7-sale-1',
      kind: 'turnover',
      orderKey: 'C-1',
      payload: '{"amount":1}',
    });
    t.true(queued.ok);
    store.close();
    for (const f of ['config.json', 'secrets.json', 'outbox.sqlite']) chownSync(join(data, f), uid, uid);
    const dataBefore = [...listing(root)].filter(([p]) => p.startsWith('var/lib/edge-gateway'));

    // The installed version is older than the checkout: a file differs, one is gone in the new one.
    const opt = join(root, 'opt/edge-gateway');
    writeFileSync(join(opt, 'dist/removed-in-the-new-version.js'), 'export {};\n');
    const pkg = JSON.parse(readFileSync(join(checkout, 'package.json'), 'utf8'));
    writeFileSync(
      join(checkout, 'package.json'),
      JSON.stringify({ ...pkg, version: '0.1.1-upgrade' }, null, 2) + '\n',
    );

    const up = await install('--wifi');
    t.is(up.code, 0, up.out);
    t.regex(up.out, /app installed/);
    t.regex(up.out, /Wi-Fi left on/);
    t.is(JSON.parse(readFileSync(join(opt, 'package.json'), 'utf8')).version, '0.1.1-upgrade');
    t.false(existsSync(join(opt, 'dist/removed-in-the-new-version.js')));
    const dataAfter = [...listing(root)].filter(([p]) => p.startsWith('var/lib/edge-gateway'));
    t.deepEqual(dataAfter, dataBefore, 'the data directory is exactly as it was');
    const reopened = openOutboxStore({ path: join(data, 'outbox.sqlite') });
    t.is(reopened.get('T7-sale-1')?.state, 'pending');
    reopened.close();
    chownSync(join(data, 'outbox.sqlite'), uid, uid);

    const boot = fileIn('boot/firmware/config.txt');
    t.notRegex(boot, /^dtoverlay=disable-wifi$/m);
    t.regex(boot, /^dtoverlay=disable-bt$/m);
    t.true(boot.startsWith(STOCK_BOOT));
    t.is(boot.split('\n').filter((l) => l === '# >>> edge-gateway').length, 1, 'one block');

    // Without --wifi the next run keeps what the box has: nothing to change.
    const again = await install();
    t.regex(again.out, /up to date, nothing changed/);
  },
);

test.serial(
  '--uninstall removes everything but the data directory and the user; the boot config is as it was',
  async (t) => {
    const before = listing(root);
    const r = await install('--uninstall');
    t.is(r.code, 0, r.out);
    t.regex(r.out, /kept the data directory \/var\/lib\/edge-gateway/);
    const after = listing(root);
    for (const gone of [
      'opt/edge-gateway',
      'usr/local/bin/edge-gateway',
      'etc/systemd/system/edge-gateway.service',
      'etc/systemd/system/multi-user.target.wants/edge-gateway.service',
      'etc/udev/rules.d/70-edge-gateway.rules',
      'etc/sysusers.d/edge-gateway.conf',
      'etc/tmpfiles.d/edge-gateway.conf',
      'etc/systemd/system.conf.d/edge-gateway-watchdog.conf',
    ]) {
      t.false(after.has(gone), gone);
    }
    const kept = (l: Map<string, Entry>) => [...l].filter(([p]) => p.startsWith('var/lib/edge-gateway'));
    t.deepEqual(kept(after), kept(before));
    t.true(kept(after).some(([p]) => p.endsWith('outbox.sqlite')));
    t.regex(fileIn('etc/passwd'), /^edge-gateway:/m);
    t.is(fileIn('boot/firmware/config.txt'), STOCK_BOOT);
  },
);

test.serial('--uninstall --purge removes the data directory and the service user too', async (t) => {
  const r = await install('--uninstall', '--purge');
  t.is(r.code, 0, r.out);
  t.false(existsSync(join(root, 'var/lib/edge-gateway')));
  t.notRegex(fileIn('etc/passwd'), /^edge-gateway:/m);
  t.notRegex(fileIn('etc/group'), /^edge-gateway:/m);
  t.is(fileIn('boot/firmware/config.txt'), STOCK_BOOT);
});

test('--help says what goes where; a wrong option is a usage error', async (t) => {
  const help = await run('bash', [join(REPO, 'scripts/install'), '--help']);
  for (const path of [
    '/opt/edge-gateway',
    '/var/lib/edge-gateway',
    '70-edge-gateway.rules',
    '--prefix',
    '--uninstall',
    '--purge',
  ]) {
    t.true(help.stdout.includes(path), path);
  }
  const bad = await run('bash', [join(REPO, 'scripts/install'), '--frobnicate']).catch((e) => e);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /unknown option: --frobnicate/);
  const purge = await run('bash', [join(REPO, 'scripts/install'), '--purge']).catch((e) => e);
  t.is(purge.code, 2);
});
