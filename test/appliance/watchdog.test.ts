// The service watchdog for real (issue 11): the gateway child process talks sd_notify(3) to a
// datagram socket this test owns, as it would to systemd under systemd/edge-gateway.service.
import test from 'ava';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/gateway.ts';
import { type NotifyMessage, notifySocket } from './helpers/notify-socket.ts';

const PERIOD_MS = 4000; // WatchdogSec= as systemd passes it: WATCHDOG_USEC
const STALL_MS = 4500; // longer than a ping interval, so the blocked loop misses at least one ping

const isPing = (m: NotifyMessage) => m.text === 'WATCHDOG=1';

test('under systemd: READY=1 once it serves, WATCHDOG=1 every half period, none while the event loop is blocked, RELOADING=1 and READY=1 around a reload, STOPPING=1 on SIGTERM', async (t) => {
  t.timeout(90_000);
  const sock = await notifySocket(t);
  const run = runCli(['start'], {
    EDGE_DATA_DIR: tempDir(),
    EDGE_MQTT_PORT: '0',
    EDGE_HTTP_PORT: '0',
    NOTIFY_SOCKET: sock.path,
    WATCHDOG_USEC: String(PERIOD_MS * 1000),
    EDGE_TEST_HOOKS: '1',
    EDGE_TEST_STALL_MS: String(STALL_MS),
  });
  t.teardown(() => run.child.kill('SIGKILL'));
  const ready = await run.ready;

  const readyMsg = await sock.until((m) => m.text.startsWith('READY=1'));
  t.regex(
    readyMsg.text,
    new RegExp(`^READY=1\nSTATUS=serving pos/demo-till: MQTT 127\\.0\\.0\\.1:${ready.mqtt_port}`),
  );

  // Cadence: half the period, measured over four intervals.
  const first = sock.messages.indexOf(readyMsg);
  let from = first;
  const pings: NotifyMessage[] = [];
  while (pings.length < 5) {
    const ping = await sock.until(isPing, from);
    pings.push(ping);
    from = sock.messages.indexOf(ping) + 1;
  }
  const gaps = pings.slice(1).map((p, i) => p.at - pings[i]!.at);
  const median = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)]!;
  t.true(median > PERIOD_MS * 0.4 && median < PERIOD_MS * 0.6, `ping gaps ${gaps.map(Math.round)} ms`);

  // Block the event loop (test hook): the marker is sent on the same socket right before the block,
  // so the order of datagrams tells exactly what was sent while the loop was blocked.
  run.child.kill('SIGUSR2');
  const marker = await sock.until((m) => m.text.startsWith('STATUS=test hook: blocking'), from);
  const markerAt = sock.messages.indexOf(marker);
  const unhealthy = await sock.until((m) => m.text.startsWith('STATUS=unhealthy'), markerAt + 1);
  const unhealthyAt = sock.messages.indexOf(unhealthy);
  const during = sock.messages.slice(markerAt + 1, unhealthyAt);
  t.deepEqual(
    during.map((m) => m.text),
    [],
    'nothing at all is sent between the block and the stall report',
  );
  const stalled = /event loop stalled (\d+) ms/.exec(unhealthy.text);
  t.truthy(stalled, unhealthy.text);
  t.true(Number(stalled![1]) > PERIOD_MS / 4, 'the stall exceeded the limit of a quarter period');
  // The stalled tick itself was withheld; a loop that runs on time again is fed again.
  const resumed = await sock.until(isPing, unhealthyAt + 1);
  const recovered = await sock.until((m) => m.text.startsWith('STATUS=serving'), unhealthyAt + 1);
  t.true(sock.messages.indexOf(recovered) > sock.messages.indexOf(resumed), 'status follows the first ping');
  t.true(
    resumed.at - unhealthy.at > PERIOD_MS * 0.4,
    'the stalled tick sent no ping; the next one on time did',
  );

  // systemctl reload (SIGHUP): the gateway restarts in-process, says so, and is fed again after.
  const beforeReload = sock.messages.length;
  run.child.kill('SIGHUP');
  const reloading = await sock.until((m) => m.text.startsWith('RELOADING=1'), beforeReload);
  const reloaded = await sock.until(
    (m) => m.text.startsWith('READY=1'),
    sock.messages.indexOf(reloading) + 1,
  );
  t.regex(reloaded.text, /^READY=1\nSTATUS=serving pos\/demo-till/);
  await sock.until(isPing, sock.messages.indexOf(reloaded) + 1);

  run.child.kill('SIGTERM');
  const stoppingMsg = await sock.until((m) => m.text.startsWith('STOPPING=1'), unhealthyAt + 1);
  t.is(await run.exited, 0);
  const stoppingAt = sock.messages.indexOf(stoppingMsg);
  t.deepEqual(
    sock.messages.slice(stoppingAt + 1).map((m) => m.text),
    [],
    'no ping after STOPPING=1',
  );
  t.is(
    sock.messages.filter((m) => m.text.startsWith('READY=1')).length,
    2,
    'READY=1 at start and after the reload',
  );
});
