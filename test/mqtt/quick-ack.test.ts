// TCP_QUICKACK through koffi (src/mqtt/quick-ack.ts): on a real loopback TCP socket the call
// reaches the kernel and succeeds; on anything without a TCP handle it does nothing.
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import test from 'ava';
import { createLogger } from '../../src/log.ts';
import { loadQuickAck } from '../../src/mqtt/quick-ack.ts';

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
