// Both ways the gateway reads a tty, on a real pty from socat: directly on the event loop (CDC,
// ptys) and through serialport (RS-232 adapters, which need a line speed).
import test from 'ava';
import { openWithLineSettings } from '../../../src/devices/backends/serialport.ts';
import { needsLineSettings, openTtyDirect } from '../../../src/devices/backends/tty-direct.ts';
import type { SerialHandle } from '../../../src/devices/backends/types.ts';
import { startPtyPair } from '../../helpers/pty.ts';

const ways: [string, (path: string) => Promise<SerialHandle>][] = [
  ['tty read on the event loop', async (p) => openTtyDirect(p)],
  ['serialport with a line speed', (p) => openWithLineSettings(p, 9600)],
];

for (const [name, open] of ways) {
  test(`${name}: bytes arrive raw (CR kept) and the far end going away is reported`, async (t) => {
    const pty = await startPtyPair();
    t.teardown(() => pty.stop());
    const handle = await open(pty.device);
    const chunks: Buffer[] = [];
    let gone = '';
    handle.on('data', (c) => chunks.push(c));
    handle.on('error', (e) => {
      gone ||= `error ${e.message}`;
    });
    handle.on('close', () => {
      gone ||= 'close';
    });
    pty.write('4006');
    pty.write('381333931\r\n');
    for (let i = 0; i < 200 && Buffer.concat(chunks).length < 15; i++)
      await new Promise((r) => setTimeout(r, 10));
    t.is(Buffer.concat(chunks).toString('latin1'), '4006381333931\r\n');
    await pty.stop();
    for (let i = 0; i < 300 && !gone; i++) await new Promise((r) => setTimeout(r, 10));
    t.truthy(gone, 'unplug is noticed');
    await handle.close();
  });
}

test('only RS-232 adapters go through serialport', (t) => {
  t.true(needsLineSettings('/dev/ttyUSB0'));
  t.false(needsLineSettings('/dev/ttyACM0'));
  t.false(needsLineSettings('/tmp/scanner-tty'));
});
