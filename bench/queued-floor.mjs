// The floor of the `queued` benchmark, run as its own process like the gateway: the least code that
// could answer a till's request durably. A bare aedes broker (TCP, Nagle off, as the gateway's)
// whose only subscriber answers each `req/<mode>/<till>/<n>` on `res/<till>/<n>` at QoS 1 — after
// writing the request to a file and fdatasync-ing it (mode `sync`), or straight away (`echo`).
// No parsing, validation, idempotency, SQLite or provider logic: what is left is MQTT and the disk.
// Beside it, a plain TCP echo (Nagle off): a Node round trip with no MQTT at all, the jitter of
// this machine's Node processes that every series above sits on.
// Plain Node, no loader, as lean as the till (bench/queued-till.mjs).
// Usage: node bench/queued-floor.mjs DIR   (prints {"port":N,"echo_port":M} when both listen)
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Aedes } from 'aedes';

const dir = process.argv[2];
if (!dir) throw new Error('usage: queued-floor.ts DIR');
const RING = 1 << 20;
const fd = openSync(join(dir, 'floor.log'), 'w', 0o600);
// Allocated up front: a write that grows the file costs a metadata flush that SQLite's reused WAL
// pages do not pay either.
writeSync(fd, Buffer.alloc(RING));
fdatasyncSync(fd);
const aedes = await Aedes.createBroker();
let offset = 0;
aedes.subscribe(
  'req/+/+/+',
  (packet, cb) => {
    const [, mode, till, n] = packet.topic.split('/');
    if (mode === 'sync') {
      const buf = packet.payload;
      writeSync(fd, buf, 0, buf.length, offset);
      offset = (offset + 4096) % RING; // a ring, as a WAL reuses its pages
      fdatasyncSync(fd);
    }
    aedes.publish(
      {
        cmd: 'publish',
        topic: `res/${till}/${n}`,
        payload: packet.payload,
        qos: 1,
        retain: false,
        dup: false,
      },
      () => {},
    );
    cb();
  },
  () => {},
);
const server = createServer({ noDelay: true }, aedes.handle);
const echo = createServer({ noDelay: true }, (socket) => socket.on('data', (d) => socket.write(d)));
const portOf = (s) => {
  const address = s.address();
  return typeof address === 'object' && address ? address.port : 0;
};
await Promise.all([server, echo].map((s) => new Promise((resolve) => s.listen(0, '127.0.0.1', resolve))));
process.stdout.write(`${JSON.stringify({ port: portOf(server), echo_port: portOf(echo) })}\n`);
process.on('SIGTERM', () => {
  server.close();
  echo.close();
  aedes.close(() => {
    closeSync(fd);
    process.exit(0);
  });
});
