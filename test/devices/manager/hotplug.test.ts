// The hotplug watch starts a discovery pass when a device node appears or goes, and not when a
// node in the watched folder is read or written: every scan writes its tty, and a pass per scan
// cost the scan path (bench scan_latency 1.29 → 1.78 × the floor at p50).
import { appendFileSync, renameSync, rmSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { watchDeviceFolders } from '../../../src/devices/hotplug.ts';
import { tempDir } from '../../helpers/gateway.ts';

function counter() {
  let count = 0;
  let waiting: { n: number; resolve: () => void } | undefined;
  return {
    hit() {
      count++;
      if (waiting && count >= waiting.n) waiting.resolve();
    },
    get count() {
      return count;
    },
    reset() {
      count = 0;
    },
    until(n: number, ms = 15_000) {
      if (count >= n) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`expected ${n} hotplug events, saw ${count}`)), ms);
        waiting = {
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
      });
    },
  };
}

test('a node created, renamed or removed in a watched folder starts a pass; writes to a node do not', async (t) => {
  const dir = tempDir('edge-hotplug-');
  const events = counter();
  const hotplug = watchDeviceFolders(
    [dir],
    () => events.hit(),
    () => t.fail('watch refused'),
  );
  t.teardown(() => hotplug.close());

  writeFileSync(join(dir, 'ttyACM0'), ''); // plugged in
  await events.until(1);
  events.reset();

  // A scanner typing: many writes to the existing node. Then a sentinel node: inotify keeps order,
  // so every event the writes caused is handled before a plain watch of the folder sees the sentinel.
  const sentinelSeen = new Promise<void>((resolve) => {
    const plain = watch(dir, (_event, name) => {
      if (name === 'sentinel') {
        plain.close();
        setImmediate(resolve);
      }
    });
  });
  for (let i = 0; i < 50; i++) appendFileSync(join(dir, 'ttyACM0'), `SCAN-${i}\r`);
  writeFileSync(join(dir, 'sentinel'), '');
  await sentinelSeen;
  t.is(events.count, 1, 'only the sentinel node created counts, none of the 50 writes');

  events.reset();
  renameSync(join(dir, 'sentinel'), join(dir, 'ttyACM1'));
  rmSync(join(dir, 'ttyACM0')); // unplugged
  await events.until(2);
  // The same barrier again: a rename is two inotify events (moved from, moved to), a removal one,
  // and the barrier node's creation one more: exactly four, none lost and none made up.
  const again = new Promise<void>((resolve) => {
    const plain = watch(dir, (_event, name) => {
      if (name === 'sentinel-2') {
        plain.close();
        setImmediate(resolve);
      }
    });
  });
  writeFileSync(join(dir, 'sentinel-2'), '');
  await again;
  t.is(events.count, 4);
});
