// The floor of the scan-latency bench (DESIGN §10, brief "a ratio against a floor"): the least code
// that does the gateway's job for one scanner — read the same kind of pty with the same reader
// (Node's tty stream on the event loop, as src/devices/backends/tty-direct.ts), split lines at CR
// and publish each through a bare aedes broker (Nagle off, as the gateway's) at the scan topic's
// QoS. No profiles, classification, duplicate filter, schema or logging: what the gateway adds on
// top is what the ratio measures. Run as its own process, as the gateway is.
//   node --import=tsx bench/scan-floor.ts <tty> <topic>   → prints {"port": n} once listening
import { constants, openSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import tty from 'node:tty';
import { Aedes } from 'aedes';

const [path, topic] = process.argv.slice(2);
if (!path || !topic) throw new Error('usage: scan-floor.ts <tty> <topic>');

const aedes = await Aedes.createBroker();
const server = createServer({ noDelay: true }, (socket) => aedes.handle(socket));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

const fd = openSync(path, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
const stream = new tty.ReadStream(fd);
stream.setRawMode(true);
let partial = '';
stream.on('data', (chunk: Buffer) => {
  partial += chunk.toString('latin1');
  for (let cr = partial.indexOf('\r'); cr >= 0; cr = partial.indexOf('\r')) {
    const text = partial.slice(0, cr);
    partial = partial.slice(cr + 1);
    if (text === '') continue;
    const payload = Buffer.from(JSON.stringify({ text, ts: new Date().toISOString() }));
    aedes.publish({ cmd: 'publish', topic, payload, qos: 1, retain: false, dup: false }, () => {});
  }
});

process.on('SIGTERM', () => process.exit(0));
process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
