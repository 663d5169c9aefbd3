// The real clock of the framers: a timeout that falls due while the event loop is blocked must not
// overtake input that arrived meanwhile, or a scan is cut in two by its own idle timeout.
import { once } from 'node:events';
import { createServer, type Socket, connect as tcpConnect } from 'node:net';
import test from 'ava';
import { systemClock } from '../../../src/devices/framing/clock.ts';

test('input that arrived while the loop was blocked is read before an overdue idle timer fires', async (t) => {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => server.close());
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = tcpConnect((server.address() as { port: number }).port, '127.0.0.1');
  await once(client, 'connect');
  t.teardown(() => client.destroy());
  const [peer] = await accepted;

  const order: string[] = [];
  peer.on('data', () => order.push('input'));
  const fired = new Promise<void>((resolve) =>
    systemClock.setTimer(() => {
      order.push('timer');
      resolve();
    }, 5),
  );
  // The rest of the scan is in the kernel's buffer before the timer is due…
  client.write('rest of the scan\r');
  // …and the loop is blocked past the timeout, as by a synchronous fsync.
  const until = performance.now() + 50;
  while (performance.now() < until) {}
  await fired;
  t.deepEqual(order, ['input', 'timer']);
});

test('a cleared timer never fires, also when cleared between its timeout and its turn', async (t) => {
  let fired = 0;
  systemClock.clearTimer(systemClock.setTimer(() => fired++, 1));
  // Two 1 ms timeouts created back to back fire in one timers phase, in order: the second clears
  // the first after its timeout ran but before its callback's turn.
  const handle = systemClock.setTimer(() => fired++, 1);
  const cleared = new Promise<void>((resolve) =>
    setTimeout(() => {
      systemClock.clearTimer(handle);
      resolve();
    }, 1),
  );
  await cleared;
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setTimeout(r, 5));
  t.is(fired, 0);
});
