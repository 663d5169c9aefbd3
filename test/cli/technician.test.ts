// The technician's commands on a headless box, against the real `edge-gateway` process: claim
// from the console, status and devices from the running gateway, provision with the page's
// validation (the config error's words), applied by SIGHUP as an in-process restart.
import test from 'ava';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/gateway.ts';
import { freePort } from '../web/ports.ts';

async function done(args: string[], env: NodeJS.ProcessEnv, stdin?: string) {
  const run = runCli(args, env);
  run.child.stdin!.end(stdin ?? '');
  const code = await run.exited;
  return {
    code,
    out: run.lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n'),
    err: run.stderr.join(''),
  };
}

test('claim, status, devices and provision on the command line; SIGHUP applies the provisioned settings', async (t) => {
  t.timeout(60_000);
  const env = {
    EDGE_DATA_DIR: tempDir(),
    EDGE_HTTP_PORT: String(await freePort()),
    EDGE_MQTT_PORT: String(await freePort()),
  };
  const short = await done(['claim'], env, 'short\n');
  t.is(short.code, 2);
  t.regex(short.err, /at least 8 characters/);
  const claim = await done(['claim'], env, 'console-password-1\n');
  t.is(claim.code, 0);
  t.regex(claim.out, /the box is claimed/);

  t.is((await done(['status'], env)).code, 1, 'no gateway running yet');
  const run = runCli(['start'], env);
  t.teardown(() => run.child.kill('SIGKILL'));
  await run.ready;
  t.false(
    run.lines.some((l) => l.setup_code),
    'a claimed box prints no setup code',
  );

  const status = await done(['status', '--json'], env);
  t.is(status.code, 0);
  const doc = JSON.parse(status.out);
  t.is(doc.till_id, 'demo-till');
  t.true(doc.claimed);
  const human = await done(['status'], env);
  t.regex(human.out, /till demo-till · branch demo-branch/);
  t.regex(human.out, /outbox: +0 waiting/);
  t.regex((await done(['devices'], env)).out, /no devices attached/);

  const bad = await done(['provision', '--provider-url', 'nope', '--provider-api-key', 'k'], env);
  t.is(bad.code, 3);
  t.regex(bad.err, /- provider\.url \(.*\): Invalid URL; got "nope"/);

  const good = await done(
    ['provision', '--till-id', 'till-7', '--till-login', 'till-7:till-7-password'],
    env,
  );
  t.is(good.code, 0, good.err);
  t.regex(good.out, /provisioned: till_id, mqtt\.users/);
  t.regex(good.out, /apply now: systemctl reload edge-gateway \(restarts in-process: the whole gateway\)/);
  // The running gateway from this data dir is named, for a box without the unit (dev-start.sh).
  t.true(
    good.out.includes(
      `\napply now: or, without the systemd unit, kill -HUP ${run.child.pid} (the gateway running from ${env.EDGE_DATA_DIR})`,
    ),
    good.out,
  );
  run.child.kill('SIGHUP');
  const until = Date.now() + 20_000;
  while (!run.lines.some((l) => l.msg === 'ready' && l.till_id === 'till-7')) {
    if (Date.now() > until) throw new Error('no ready line after SIGHUP');
    await new Promise((r) => setTimeout(r, 50));
  }
  const after = JSON.parse((await done(['status', '--json'], env)).out);
  t.is(after.till_id, 'till-7');
  t.false(after.demo);
  run.child.kill('SIGTERM');
  t.is(await run.exited, 0);
});
