import { existsSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { recorder, tempDir } from '../../helpers/gateway.ts';
import { queuedBeforeOpen, startPtyPair } from '../../helpers/pty.ts';
import { gatewayWithSerialScanner } from '../../helpers/serial-rig.ts';

test('a serial scanner on a real tty: split writes give one scan; unplug marks it offline; replug re-attaches', async (t) => {
  // The idle timeout (100 ms as shipped) would frame the first half on its own should the gap between
  // the writes stretch on a loaded machine; a long one keeps this test about reassembly.
  const { pty, gw, till } = await gatewayWithSerialScanner(t, { serial: { idleTimeoutMs: 60_000 } });
  const scans = await recorder(till, 'pos/T1/scan');
  const availability = await recorder(till, 'pos/T1/device/+/availability');
  const devices = await recorder(till, 'pos/T1/devices');

  const online = await availability.until((m) => m.payload.state === 'online');
  t.is(online.topic, 'pos/T1/device/serial-scanner-tty/availability');
  const list = await devices.until((m) => m.payload.some?.((d: any) => d.state === 'online'));
  t.like(list.payload[0], {
    id: 'serial-scanner-tty',
    profile: 'generic-serial',
    transport: 'serial',
    state: 'online',
  });

  // Given a scan split across two writes (a pause between them, so they reach the gateway as two
  // reads), when the terminator arrives, then one scan is published.
  pty.write('40063813');
  await new Promise((r) => setTimeout(r, 50));
  pty.write('33931\r');
  const [first] = await scans.waitFor(1);
  t.like(first!.payload, { text: '4006381333931', device_id: 'serial-scanner-tty', transport: 'serial' });

  // Unplug: socat ends, both ttys vanish.
  await pty.stop();
  await availability.until((m) => m.payload.state === 'offline');
  const state = gw.gateway.devices.list()[0]!;
  t.is(state.state, 'offline');

  // Replug: the same paths come back and the device is re-attached without a restart.
  availability.messages.length = 0;
  await pty.restart();
  await availability.until((m) => m.payload.state === 'online', 10_000);
  pty.write('HELLO\r');
  await scans.waitFor(2);
  t.is(scans.messages[1]!.payload.text, 'HELLO');
  t.is(scans.messages[1]!.payload.seq, first!.payload.seq + 1);
});

test('a replugged serial scanner is back at once, not at the next discovery poll', async (t) => {
  // Polling once a minute: only the hotplug event of the tty reappearing can bring it back in time.
  const { pty, till } = await gatewayWithSerialScanner(t, { pollIntervalMs: 60_000 });
  const scans = await recorder(till, 'pos/T1/scan');
  const availability = await recorder(till, 'pos/T1/device/+/availability');
  await availability.until((m) => m.payload.state === 'online');
  for (let cycle = 1; cycle <= 3; cycle++) {
    availability.messages.length = 0;
    // Out and straight back in, faster than any poll: the loss is seen by the reader (end of file) …
    await pty.stop();
    await availability.until((m) => m.payload.state === 'offline');
    await pty.restart();
    // … and the new tty by its folder's change, with a deadline far below the poll interval.
    await availability.until((m) => m.payload.state === 'online', 15_000);
    pty.write(`BACK-${cycle}\r`);
    await scans.until((m) => m.payload.text === `BACK-${cycle}`);
  }
  t.deepEqual(
    scans.messages.map((m) => m.payload.text),
    ['BACK-1', 'BACK-2', 'BACK-3'],
  );
});

test('a device path that does not exist yet is waited for, and garbage never crashes the gateway', async (t) => {
  const lateDir = tempDir('edge-late-');
  const latePath = join(lateDir, 'late-tty');
  const { pty, gw, till } = await gatewayWithSerialScanner(t, {
    extraSerial: [{ path: latePath, profile: 'generic-serial' }],
  });
  const scans = await recorder(till, 'pos/T1/scan');
  const availability = await recorder(till, 'pos/T1/device/+/availability');

  // Given a configured path with nothing behind it: a discovery pass lists only the plugged scanner,
  // and the missing one is not an error.
  await gw.gateway.devices.discover();
  t.false(existsSync(latePath));
  t.deepEqual(
    gw.gateway.devices.list().map((d) => d.id),
    ['serial-scanner-tty'],
  );
  t.false(gw.lines.some((l) => l.includes('late-tty') && /"level":"(error|warn)"/.test(l)));

  // When the device appears later, then it is attached without a restart and its scans arrive.
  const latePty = await startPtyPair(lateDir, 'late'); // creates late-tty
  t.teardown(() => latePty.stop());
  await availability.until(
    (m) => m.topic === 'pos/T1/device/serial-late-tty/availability' && m.payload.state === 'online',
    10_000,
  );
  latePty.write('LATE-1\r');
  const lateScan = await scans.until((m) => m.payload.text === 'LATE-1');
  t.is(lateScan.payload.device_id, 'serial-late-tty');

  // 5 KB of noise without a terminator (a wrong baud rate), then a good scan.
  pty.write(Buffer.alloc(5000, 0xff));
  pty.write('\r');
  pty.write('OK-1\r');
  await scans.until((m) => m.payload.text === 'OK-1');
  t.true(gw.lines.some((l) => l.includes('"code":"overlong"')));
  t.deepEqual(
    gw.gateway.devices.list().map((d) => [d.id, d.state]),
    [
      ['serial-scanner-tty', 'online'],
      ['serial-late-tty', 'online'],
    ],
  );
});

test('a scan sent while the gateway was not reading the port is not published when it opens it; the next one is', async (t) => {
  const devicePath = join(tempDir('edge-stale-'), 'stale-tty');
  const { till } = await gatewayWithSerialScanner(t, {
    extraSerial: [{ path: devicePath, profile: 'generic-serial' }],
  });
  const scans = await recorder(till, 'pos/T1/scan');
  const availability = await recorder(till, 'pos/T1/device/serial-stale-tty/availability');
  // Given a scanner that sent a scan before the gateway had its port open (here: before the
  // configured path leads to it; at a box's start: while the gateway was not running) …
  const pty = await startPtyPair(tempDir('edge-stale-pty-'), 'stale');
  t.teardown(() => pty.close());
  const release = await queuedBeforeOpen(pty, 'STALE-1\r');
  // … when the gateway opens the port, and the scanner sends another scan …
  symlinkSync(pty.device, devicePath);
  await availability.until((m) => m.payload.state === 'online', 10_000);
  release();
  pty.write('FRESH-1\r');
  // … then only the scan made while the gateway reads is published.
  await scans.until((m) => m.payload.text === 'FRESH-1', 10_000);
  t.deepEqual(
    scans.messages.filter((m) => m.payload.device_id === 'serial-stale-tty').map((m) => m.payload.text),
    ['FRESH-1'],
  );
});
