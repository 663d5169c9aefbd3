// Both ways the gateway reads a tty, on a real pty from socat: directly on the event loop (CDC,
// ptys) and through serialport (RS-232 adapters, which need a line speed).
import { readdirSync, readlinkSync, realpathSync } from 'node:fs';
import test from 'ava';
import { openWithLineSettings } from '../../../src/devices/backends/serialport.ts';
import { needsLineSettings, openTtyDirect } from '../../../src/devices/backends/tty-direct.ts';
import type { SerialHandle } from '../../../src/devices/backends/types.ts';
import { type PtyPair, queuedBeforeOpen, startPtyPair } from '../../helpers/pty.ts';

async function readSplitScan(t: any, pty: PtyPair, handle: SerialHandle) {
  const chunks: Buffer[] = [];
  handle.on('data', (c) => chunks.push(c));
  pty.write('4006');
  pty.write('381333931\r\n');
  for (const start = Date.now(); Buffer.concat(chunks).length < 15 && Date.now() - start < 10_000; )
    await new Promise((r) => setTimeout(r, 10));
  t.is(Buffer.concat(chunks).toString('latin1'), '4006381333931\r\n');
}

test('tty read on the event loop: bytes arrive raw (CR kept) and the far end going away is reported', async (t) => {
  const pty = await startPtyPair();
  t.teardown(() => pty.close());
  const handle = await openTtyDirect(pty.device);
  t.teardown(() => handle.close());
  let gone = '';
  handle.on('error', (e) => {
    gone ||= `error ${e.message}`;
  });
  handle.on('close', () => {
    gone ||= 'close';
  });
  await readSplitScan(t, pty, handle);
  await pty.stop();
  for (const start = Date.now(); !gone && Date.now() - start < 10_000; )
    await new Promise((r) => setTimeout(r, 10));
  t.truthy(gone, 'unplug is noticed by the reader itself');
});

/** This process's descriptors that point at the pty `pts` (`/dev/pts/N`), also once it is gone. */
const descriptorsOf = (pts: string) =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).replace(/ \(deleted\)$/, '') === pts;
    } catch {
      return false; // the listing's own descriptor, gone by now
    }
  });

// Serial: a pty number freed here may be taken by another test of this file at once.
test.serial(
  'tty read on the event loop: no descriptor is left behind after an unplug or a close',
  async (t) => {
    const pty = await startPtyPair();
    t.teardown(() => pty.close());
    for (let cycle = 0; cycle < 4; cycle++) {
      const handle = await openTtyDirect(pty.device);
      handle.on('data', () => {}); // reading, as the serial transport does: how the far end's loss shows
      const pts = realpathSync(pty.device);
      t.is(descriptorsOf(pts).length, 1, 'one descriptor per open tty');
      if (cycle % 2 === 0) {
        // Unplugged: the far end goes away under the reader, which reports it.
        const gone = new Promise<void>((resolve) => handle.on('close', () => resolve()));
        await pty.stop();
        await gone;
        await handle.close();
        await pty.restart();
      } else {
        await handle.close();
      }
      t.deepEqual(descriptorsOf(pts), [], `cycle ${cycle}: nothing of ${pts} left open`);
    }
  },
);

// serialport does not always report a pty's far end going away (its poller waits for readable);
// for an RS-232 adapter the device manager notices the unplug from the device list instead.
const LINE = { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 } as const;

test('serialport with a line speed: bytes arrive raw (CR kept) and the port closes cleanly', async (t) => {
  const pty = await startPtyPair();
  t.teardown(() => pty.close());
  const handle = await openWithLineSettings(pty.device, LINE);
  let closeEvents = 0;
  handle.on('close', () => closeEvents++);
  // The port is locked while open: a second opener (another process, a replug race) is refused …
  await t.throwsAsync(openWithLineSettings(pty.device, LINE), { message: /lock/i });
  await readSplitScan(t, pty, handle);
  await handle.close();
  t.is(closeEvents, 1, 'the port reports its close once');
  // … and a clean close releases the lock and the fd: the port opens again and reads.
  const again = await openWithLineSettings(pty.device, LINE);
  t.teardown(() => again.close());
  await readSplitScan(t, pty, again);
});

/** Opens the tty with bytes already queued, then reads what a scan sent after the open brings. */
async function afterStaleInput(t: any, open: (device: string) => Promise<SerialHandle>) {
  const pty = await startPtyPair();
  t.teardown(() => pty.close());
  const release = await queuedBeforeOpen(pty, 'STALE-1\r');
  const handle = await open(pty.device);
  t.teardown(() => handle.close());
  release();
  const chunks: Buffer[] = [];
  handle.on('data', (c) => chunks.push(c));
  pty.write('FRESH-1\r');
  for (const start = Date.now(); !Buffer.concat(chunks).includes('\r') && Date.now() - start < 10_000; )
    await new Promise((r) => setTimeout(r, 10));
  t.is(Buffer.concat(chunks).toString('latin1'), 'FRESH-1\r');
}

test('tty read on the event loop: what the tty queued before the open is discarded', (t) =>
  afterStaleInput(t, openTtyDirect));

// serialport's own open flushes (bindings-cpp, as it sets the speed): kept so by this test.
test('serialport with a line speed: what the port queued before the open is discarded', (t) =>
  afterStaleInput(t, (device) => openWithLineSettings(device, LINE)));

test('only RS-232 adapters go through serialport', (t) => {
  t.true(needsLineSettings('/dev/ttyUSB0'));
  t.false(needsLineSettings('/dev/ttyACM0'));
  t.false(needsLineSettings('/tmp/scanner-tty'));
});
