// The running gateway holds info lines briefly and writes them together (src/log.ts `holdLines`):
// nothing held is lost or reordered, warnings and errors go out at once.
import test from 'ava';
import { holdLines } from '../../src/log.ts';

function collector() {
  const writes: string[] = [];
  let wrote: (() => void) | undefined;
  return {
    writes,
    write: (text: string) => {
      writes.push(text);
      wrote?.();
    },
    /** Resolves on the next write (the hold's timer), with a generous deadline. */
    nextWrite: () =>
      new Promise<void>((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error('nothing written within 10 s')), 10_000);
        wrote = () => {
          clearTimeout(deadline);
          resolve();
        };
      }),
  };
}

test('held lines wait for the hold to end and are then written together, in order, once', async (t) => {
  const c = collector();
  const held = holdLines(c.write, 20);
  const written = c.nextWrite();
  held.push('a\n', false);
  held.push('b\n', false);
  t.deepEqual(c.writes, [], 'nothing is written while the hold lasts');
  await written;
  t.deepEqual(c.writes, ['a\nb\n']);
  held.flush();
  t.deepEqual(c.writes, ['a\nb\n'], 'an empty hold writes nothing');
});

test('a line that must go now is written at once, after everything held before it', (t) => {
  const c = collector();
  const held = holdLines(c.write, 60_000);
  held.push('info 1\n', false);
  held.push('info 2\n', false);
  held.push('warn\n', true);
  t.deepEqual(c.writes, ['info 1\ninfo 2\nwarn\n']);
  held.push('info 3\n', false);
  held.flush();
  t.deepEqual(c.writes, ['info 1\ninfo 2\nwarn\n', 'info 3\n'], 'flush (as at exit) writes the rest');
});

test('a flood of held lines is written once it passes the size limit, not only when the hold ends', (t) => {
  const c = collector();
  const held = holdLines(c.write, 60_000);
  const line = `${'x'.repeat(99)}\n`;
  for (let i = 0; i < 200; i++) held.push(line, false);
  // 16 KiB is the limit (src/log.ts): written as one block the moment the held text passes it (the
  // 164th line), the other 36 held for the flush.
  t.deepEqual(c.writes, [line.repeat(164)]);
  held.flush();
  t.deepEqual(c.writes, [line.repeat(164), line.repeat(36)]);
});
