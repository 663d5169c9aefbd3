// TCP_QUICKACK through koffi (src/mqtt/quick-ack.ts): on a real loopback TCP socket the call
// reaches the kernel and succeeds; on anything without a TCP handle it does nothing.
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import test from 'ava';
import { createLogger } from '../../src/log.ts';
import { deferredQuickAck, loadQuickAck } from '../../src/mqtt/quick-ack.ts';

test('a quick ACK is set on a TCP socket the broker accepted, and refused on a stream without one', async (t) => {
  const quickAck = await loadQuickAck(createLogger({ level: 'silent' }));
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const client = connect(typeof address === 'object' && address ? address.port : 0, '127.0.0.1');
  const [accepted] = (await once(server, 'connection')) as [Socket];
  try {
    t.true(quickAck(accepted));
    t.true(quickAck(client));
    t.false(quickAck(new PassThrough()));
    accepted.destroy();
    t.false(quickAck(accepted), 'a closed socket has no descriptor left');
  } finally {
    client.destroy();
    server.close();
  }
});

test('deferred quick ACKs wait for the delay, then go out once per connection from one timer', async (t) => {
  const sent: PassThrough[] = [];
  let fired: (() => void) | undefined;
  const soon = deferredQuickAck((conn) => {
    sent.push(conn as PassThrough);
    if (sent.length === 2) fired?.();
    return true;
  }, 5);
  const [a, b] = [new PassThrough(), new PassThrough()];
  const done = new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error('no quick ACK within 10 s')), 10_000);
    fired = () => {
      clearTimeout(deadline);
      resolve();
    };
  });
  soon(a);
  soon(a);
  soon(b);
  t.is(sent.length, 0, 'nothing is sent before the delay');
  await done;
  t.deepEqual(sent, [a, b], 'once per connection, however many PUBACKs came meanwhile');
});
