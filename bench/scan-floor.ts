// The floor of the scan-latency bench (DESIGN §10, brief "a ratio against a floor"): the least code
// that does the gateway's job for one scanner — read the same kind of pty with the same reader
// (Node's tty stream on the event loop, as src/devices/backends/tty-direct.ts), split lines at CR
// and publish each through a bare aedes broker (Nagle off, as the gateway's) at the scan topic's
// QoS. No profiles, classification, duplicate filter, schema or logging: what the gateway adds on
// top is what the ratio measures. Run as its own process, as the gateway is.
// What it publishes (`shape`): `contract` (the default) is the event DESIGN §3 gives the scan topic,
// every field, with a random id and a sequence number, so the till receives and parses as many
// bytes from the floor as from the gateway and the ratio measures the gateway's work, not the
// contract's size; `minimal` is `{text, ts}`, the floor as the bench first took it (still run and
// printed beside it, as `floor_minimal`).
//   node --import=tsx bench/scan-floor.ts <tty> <topic> [contract|minimal]   → prints {"port": n}
import { randomUUID } from 'node:crypto';
import { constants, openSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import tty from 'node:tty';
import { Aedes } from 'aedes';

const [path, topic, shape = 'contract'] = process.argv.slice(2);
if (!path || !topic) throw new Error('usage: scan-floor.ts <tty> <topic>');

const aedes = await Aedes.createBroker();
const server = createServer({ noDelay: true }, (socket) => aedes.handle(socket));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

const fd = openSync(path, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
const stream = new tty.ReadStream(fd);
stream.setRawMode(true);
let partial = '';
let seq = 0;
const event = (text: string, ts: string) =>
  shape === 'minimal'
    ? { text, ts }
    : {
        id: randomUUID(),
        seq: ++seq,
        ts,
        device_id: 'floor',
        profile: 'generic-serial',
        transport: 'serial',
        symbology: null,
        aim: null,
        kind: 'text',
        text,
        warnings: [],
      };
stream.on('data', (chunk: Buffer) => {
  partial += chunk.toString('latin1');
  for (let cr = partial.indexOf('\r'); cr >= 0; cr = partial.indexOf('\r')) {
    const text = partial.slice(0, cr);
    partial = partial.slice(cr + 1);
    if (text === '') continue;
    const payload = Buffer.from(JSON.stringify(event(text, new Date().toISOString())));
    aedes.publish({ cmd: 'publish', topic, payload, qos: 1, retain: false, dup: false }, () => {});
  }
});

process.on('SIGTERM', () => process.exit(0));
process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
