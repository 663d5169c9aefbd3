// `edge-gateway sub` / `edge-gateway pub`: the bundled MQTT clients with mosquitto's flags, against a
// real gateway (its broker, logins and ACLs).
import test from 'ava';
import { runCli } from '../helpers/cli.ts';
import { connect, recorder, startTestGateway } from '../helpers/gateway.ts';

async function provisioned(t: any) {
  const gw = await startTestGateway({
    config: { till_id: 'T1' },
    users: { till1: { password: 'secret-1' } },
  });
  t.teardown(() => gw.stop());
  return { gw, port: String(gw.gateway.mqttPort) };
}

test('sub -v -C 1 prints "topic payload" of the retained state and exits 0', async (t) => {
  const { port } = await provisioned(t);
  const sub = runCli([
    'sub',
    '-p',
    port,
    '-u',
    'till1',
    '-P',
    'secret-1',
    '-t',
    'pos/T1/gateway/state',
    '-v',
    '-C',
    '1',
  ]);
  t.is(await sub.exited, 0, sub.stderr.join(''));
  t.deepEqual(sub.lines, ['pos/T1/gateway/state {"state":"online"}']);
});

test('pub with a till login sends one request, answered once', async (t) => {
  const { port } = await provisioned(t);
  const till = await connect(`mqtt://127.0.0.1:${port}`, { username: 'till1', password: 'secret-1' });
  t.teardown(() => till.endAsync());
  const answers = await recorder(till, 'pos/T1/response/#');
  const pub = runCli([
    'pub',
    ...['-p', port, '-u', 'till1', '-P', 'secret-1', '-q', '1'],
    ...['-t', 'pos/T1/request/gateway/test_scan', '-m', '{"transaction":"c1","text":"4006381333931"}'],
  ]);
  t.is(await pub.exited, 0, pub.stderr.join(''));
  t.deepEqual(pub.stderr, []);
  await answers.waitFor(1);
  await answers.until((m) => m.payload.transaction === 'c1');
  t.like(answers.messages, [
    { topic: 'pos/T1/response/gateway/test_scan', payload: { transaction: 'c1', status: 'ok' } },
  ]);
  t.is(answers.messages.length, 1);
});

test('a filter above the till base is refused with a hint, exit 1', async (t) => {
  const { port } = await provisioned(t);
  const sub = runCli(['sub', '-p', port, '-u', 'till1', '-P', 'secret-1', '-t', 'pos/#']);
  t.is(await sub.exited, 1);
  t.is(
    sub.stderr.join(''),
    'Subscription refused by the broker: a till may subscribe only below its own base, e.g. pos/<till_id>/#\n',
  );
});

test('a wrong password, -W running out and a missing -t each end with their exit code', async (t) => {
  const { port } = await provisioned(t);
  const wrong = runCli(['sub', '-p', port, '-u', 'till1', '-P', 'nope', '-t', 'pos/T1/#']);
  t.is(await wrong.exited, 1);
  t.regex(wrong.stderr.join(''), /^Error: /);
  const quiet = runCli(['sub', '-p', port, '-u', 'till1', '-P', 'secret-1', '-t', 'pos/T1/scan', '-W', '1']);
  t.is(await quiet.exited, 27, 'mosquitto_sub exits 27 when -W runs out');
  const usage = runCli(['pub', '-p', port, '-m', 'x']);
  t.is(await usage.exited, 2);
  t.regex(usage.stderr.join(''), /-t TOPIC is required/);
});
