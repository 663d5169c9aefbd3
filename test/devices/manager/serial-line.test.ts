// The profile's serial line reaches the port: an RS-232 adapter behind ttyUSB is opened through
// serialport with the profile's speed, data bits, parity and stop bits. Proven on a real socat pty,
// whose termios `stty` reads back while the gateway holds it open. A Linux pty forces CS8 without
// parity whatever is asked (drivers/tty/pty.c, pty_set_termios), so speed and stop bits are what a
// pty can show; data bits and parity travel in the same options object to serialport.
import { execFileSync } from 'node:child_process';
import test from 'ava';
import { openWithLineSettings } from '../../../src/devices/backends/serialport.ts';
import { profileSchema } from '../../../src/devices/profiles/schema.ts';
import { startPtyPair } from '../../helpers/pty.ts';

function lineOf(device: string): string[] {
  return execFileSync('stty', ['-F', device, '-a'], { encoding: 'utf8' }).split(/[\s;]+/);
}

const profile = (serial: Record<string, unknown>) =>
  profileSchema.parse({
    id: 'rs232-scanner',
    name: 'RS-232 scanner',
    kind: 'scanner',
    transports: ['serial'],
    match: [{ transport: 'serial', pathRegex: '^/dev/ttyUSB[0-9]+$' }],
    serial,
  }).serial;

test('a profile line of 19200 baud, 2 stop bits is what the port is set to', async (t) => {
  const pty = await startPtyPair();
  t.teardown(() => pty.close());
  const handle = await openWithLineSettings(
    pty.device,
    profile({ baudRate: 19200, dataBits: 7, parity: 'even', stopBits: 2 }),
  );
  t.teardown(() => handle.close());
  const line = lineOf(pty.device);
  t.true(line.includes('19200'), line.join(' '));
  t.true(line.includes('cstopb'));
});

test('the defaults are 9600 baud, 1 stop bit', async (t) => {
  const pty = await startPtyPair();
  t.teardown(() => pty.close());
  const handle = await openWithLineSettings(pty.device, profile({}));
  t.teardown(() => handle.close());
  const line = lineOf(pty.device);
  t.true(line.includes('9600'), line.join(' '));
  t.true(line.includes('-cstopb'));
});

test('a profile may not ask for what the gateway does not do', (t) => {
  const error = t.throws(() => profile({ assertDtr: false }));
  t.regex(error?.message ?? '', /assertDtr/);
});
