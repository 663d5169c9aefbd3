// The pty helper sends exactly the bytes a test means: a string as one byte a character, a Buffer
// as it is, and a character with no single byte refused rather than cut to its low byte.
import { constants, openSync } from 'node:fs';
import { ReadStream } from 'node:tty';
import test from 'ava';
import { startPtyPair } from './pty.ts';

test('a string goes as Latin-1 bytes, a Buffer as is, and a character above U+00FF throws instead of sending its low byte', async (t) => {
  const pty = await startPtyPair();
  t.teardown(() => pty.close());
  const tty = new ReadStream(
    openSync(pty.device, constants.O_RDONLY | constants.O_NOCTTY | constants.O_NONBLOCK),
  );
  t.teardown(() => tty.destroy());
  const got: Buffer[] = [];
  tty.on('data', (b: Buffer) => got.push(b));
  const expected = Buffer.from([0x41, 0xfc, 0x1d, 0xe2, 0x82, 0xac, 0x0d]);
  t.throws(() => pty.write('5 €'), { message: /above U\+00FF; pass a Buffer/ });
  pty.write('A\xfc\x1d');
  pty.write(Buffer.from('€\r', 'utf8'));
  await new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(
      () => reject(new Error(`only ${Buffer.concat(got).toString('hex')}`)),
      10_000,
    );
    const check = () => {
      if (Buffer.concat(got).length < expected.length) return;
      clearTimeout(deadline);
      resolve();
    };
    tty.on('data', check);
    check();
  });
  // Nothing of the refused write: exactly the other two, byte for byte.
  t.is(Buffer.concat(got).toString('hex'), expected.toString('hex'));
});
