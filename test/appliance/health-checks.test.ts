// What the watchdog asks before each ping, against the real parts: the embedded broker, a silent TCP
// listener that is not a broker, a closed port, and a real gateway whose outbox dispatcher stops.
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import test from 'ava';
import { brokerCheck } from '../../src/appliance/checks.ts';
import { startAppliance } from '../../src/appliance/index.ts';
import { type Notifier, systemdNotifier } from '../../src/appliance/sd-notify.ts';
import { watchdogPeriod } from '../../src/appliance/watchdog.ts';
import { createLogger } from '../../src/log.ts';
import { collectingLogger, sleep, startTestGateway, tempDir } from '../helpers/gateway.ts';

const quiet = createLogger({ level: 'silent' });

function recordingNotifier() {
  const sent: string[] = [];
  const waiters = new Set<() => void>();
  const notifier: Notifier = {
    enabled: true,
    send(state) {
      sent.push(state);
      for (const w of [...waiters]) w();
      return true;
    },
  };
  const until = (pred: (s: string) => boolean, from = 0, timeoutMs = 15_000) =>
    new Promise<number>((resolve, reject) => {
      const look = () => {
        const i = sent.findIndex((s, j) => j >= from && pred(s));
        if (i < 0) return;
        waiters.delete(look);
        clearTimeout(timer);
        resolve(i);
      };
      const timer = setTimeout(() => reject(new Error(`not sent; got ${JSON.stringify(sent)}`)), timeoutMs);
      waiters.add(look);
      look();
    });
  return { notifier, sent, until };
}

test('broker check: the embedded broker passes, a silent listener and a closed port do not', async (t) => {
  const g = await startTestGateway();
  t.teardown(() => g.stop());
  t.is(await brokerCheck(g.gateway.mqttHost, g.gateway.mqttPort).run(), undefined);

  // Accepts TCP (the kernel does that) but never speaks MQTT: not a working broker.
  const held = new Set<Socket>();
  const silent = createServer((s) => held.add(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const silentPort = (silent.address() as { port: number }).port;
  t.teardown(() => {
    for (const s of held) s.destroy();
    silent.close();
  });
  t.regex((await brokerCheck('127.0.0.1', silentPort, 300).run()) ?? '', /no MQTT answer/);

  const closedPort = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
  t.regex(
    (await brokerCheck('127.0.0.1', closedPort).run()) ?? '',
    /not accepting connections.*ECONNREFUSED/,
  );
});

test('watchdog period from systemd: WATCHDOG_USEC, only for the process WATCHDOG_PID names', (t) => {
  t.deepEqual(watchdogPeriod({ WATCHDOG_USEC: '20000000' }, 42), {
    periodMs: 20_000,
    intervalMs: 10_000,
    stallLimitMs: 5000,
  });
  t.is(watchdogPeriod({ WATCHDOG_USEC: '20000000', WATCHDOG_PID: '42' }, 42)?.intervalMs, 10_000);
  t.is(watchdogPeriod({ WATCHDOG_USEC: '20000000', WATCHDOG_PID: '7' }, 42), undefined);
  t.is(watchdogPeriod({}, 42), undefined);
  t.is(watchdogPeriod({ WATCHDOG_USEC: 'soon' }, 42), undefined);
});

test('a gateway whose outbox dispatcher stopped is reported unhealthy and no longer feeds the watchdog', async (t) => {
  t.timeout(40_000);
  const g = await startTestGateway();
  t.teardown(() => g.stop());
  const rec = recordingNotifier();
  const appliance = await startAppliance({
    gateway: () => g.gateway,
    logger: quiet,
    env: { WATCHDOG_USEC: '4000000' }, // a quarter period (the stall limit) of slack for a loaded machine
    notifier: rec.notifier,
  });
  t.teardown(() => appliance.stopping());
  t.regex(rec.sent[0]!, /^READY=1\nSTATUS=serving pos\/demo-till/);
  await rec.until((s) => s === 'WATCHDOG=1');

  await g.gateway.loyalty.dispatcher.stop(0);
  const at = await rec.until((s) => s.startsWith('STATUS=unhealthy'));
  // The dispatcher is the reason; on a loaded machine a real event-loop stall may be named beside
  // it (seen at load 17: "event loop stalled 1223 ms; outbox dispatcher: not running"), nothing else.
  const reasons = (s: string) => s.replace(/^STATUS=unhealthy: /, '').split('; ');
  const onlyDispatcher = (s: string) =>
    reasons(s).includes('outbox dispatcher: not running') &&
    reasons(s).every((r) => r === 'outbox dispatcher: not running' || /^event loop stalled \d+ ms$/.test(r));
  t.true(onlyDispatcher(rec.sent[at]!), rec.sent[at]);
  // Two more ticks' worth of time: a tick delayed by load only sends fewer pings, never more.
  await sleep(4500);
  const later = rec.sent.slice(at + 1);
  t.false(later.includes('WATCHDOG=1'), 'no ping while unhealthy');
  // A status is sent again only when its reasons change (a stall coming or going), and each still
  // names the stopped dispatcher; when the machine is quiet, nothing at all.
  t.true(
    later.every((s, i) => s.startsWith('STATUS=unhealthy') && onlyDispatcher(s) && s !== rec.sent[at + i]),
    later.join(' | '),
  );

  appliance.stopping();
  t.is(rec.sent.at(-1), 'STOPPING=1\nSTATUS=stopping');
});

// Serial: libsystemd reads NOTIFY_SOCKET from the process environment, which this test changes.
test.serial(
  'sd_notify through libsystemd: off without NOTIFY_SOCKET; a dead socket is reported once, not per ping',
  async (t) => {
    const saved = process.env.NOTIFY_SOCKET;
    t.teardown(() => {
      if (saved === undefined) delete process.env.NOTIFY_SOCKET;
      else process.env.NOTIFY_SOCKET = saved;
    });
    delete process.env.NOTIFY_SOCKET;
    t.false((await systemdNotifier(quiet)).enabled);

    process.env.NOTIFY_SOCKET = join(tempDir(), 'nobody-listens.sock');
    const { logger, lines } = collectingLogger();
    const notifier = await systemdNotifier(logger);
    t.true(notifier.enabled);
    t.false(notifier.send('WATCHDOG=1'));
    t.false(notifier.send('WATCHDOG=1'));
    const errors = lines.map((l) => JSON.parse(l)).filter((l) => l.level === 'error');
    t.is(errors.length, 1);
    t.like(errors[0], { msg: 'systemd notification failed', errno: 2 }); // ENOENT
  },
);

test('during an in-process restart the watchdog waits one period for the new gateway, then reports it stuck', async (t) => {
  t.timeout(30_000);
  const g = await startTestGateway();
  t.teardown(() => g.stop());
  let current: typeof g.gateway | undefined = g.gateway;
  const rec = recordingNotifier();
  const appliance = await startAppliance({
    gateway: () => current,
    logger: quiet,
    env: { WATCHDOG_USEC: '4000000' }, // a quarter period (the stall limit) of slack for a loaded machine
    notifier: rec.notifier,
  });
  t.teardown(() => appliance.stopping());
  await rec.until((s) => s === 'WATCHDOG=1');

  appliance.reloading();
  current = undefined; // the old gateway stopped, the new one never comes
  const reloadingAt = rec.sent.indexOf('RELOADING=1\nSTATUS=applying settings: restarting');
  t.true(reloadingAt >= 0);
  const stuck = await rec.until((s) => s.startsWith('STATUS=unhealthy'), reloadingAt);
  t.regex(rec.sent[stuck]!, /restart not finished after \d+ ms/);
  // Within the first period it was still fed: a restart takes a second or two, not a period.
  t.true(rec.sent.slice(reloadingAt, stuck).includes('WATCHDOG=1'));

  current = g.gateway;
  appliance.reloaded();
  const back = await rec.until((s) => s === 'WATCHDOG=1', stuck);
  t.true(rec.sent.slice(stuck, back).some((s) => s.startsWith('READY=1\nSTATUS=serving')));
});
