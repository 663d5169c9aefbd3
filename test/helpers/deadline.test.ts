// The teardown deadlines themselves: a till whose disconnect can never finish (a QoS 1 publish the
// broker never acknowledges, the broker then gone) fails with what it still waits for.
import { createServer, type Socket } from 'node:net';
import test from 'ava';
import mqttPacket from 'mqtt-packet';
import { TeardownTimeout, withDeadline } from './deadline.ts';
import { connect } from './gateway.ts';

test('withDeadline passes a result through and turns a promise that never settles into a clear error', async (t) => {
  t.is(await withDeadline(Promise.resolve(7), 1000, () => 'x'), 7);
  const err = await t.throwsAsync(withDeadline(new Promise(() => {}), 50, () => 'the broker never answered'));
  t.true(err instanceof TeardownTimeout);
  t.is(err!.message, 'the broker never answered (gave up after 0.05 s)');
});

test('a till whose publish is never acknowledged: endAsync fails naming the waiting message id', async (t) => {
  // A broker that accepts the login and then acknowledges nothing.
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (p) => {
      if (p.cmd === 'connect')
        s.write(mqttPacket.generate({ cmd: 'connack', returnCode: 0, sessionPresent: false }));
    });
    s.on('data', (d) => parser.parse(d));
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as { port: number }).port;
  const till = await connect(`mqtt://127.0.0.1:${port}`, { clientId: 'till-x' }, 300);
  till.publish('pos/T1/request/loyalty/turnover', '{}', { qos: 1 });
  for (const s of sockets) s.destroy(); // the box goes away before the PUBACK
  await new Promise((r) => till.once('close', () => r(undefined)));
  const err = await t.throwsAsync(till.endAsync());
  t.regex(
    err!.message,
    /^till till-x: endAsync\(\) did not finish; 1 packet\(s\) still wait .*message ids \d+.*connected: false/,
  );
  till.end(true);
});
