// The till of the `queued` benchmark (bench/queued.ts), in its own lean process: plain Node (no
// loader), mqtt.js as tills use it, nothing else on its event loop while a block runs. The till is a
// different machine on a real site, so what its own process costs must not land in the box's figures:
// measured here, the bench's parent process as the till added client scavenges of 1–2 ms and its
// other work between samples. Its young generation is large and collected between blocks (--expose-gc),
// so no scavenge falls inside a block; every series (gateway and floor alike) is measured from here.
//
// Per sample it also reads how long its own main thread and the serving process's main thread were
// runnable but waiting for a CPU (/proc/<pid>/schedstat): on a shared machine most slow round trips
// are that wait, not the code under test, and the bench prints how much of it each series saw.
//
// Driven over the IPC channel (child_process.fork): `connect`, `block`, `echo` (plain TCP round trips
// to the floor's echo), `end`. Each answer is one message.
import { readFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import mqtt from 'mqtt';

const BASE = 'pos/demo-till';
const clients = new Map();
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const runQueueMs = (pid) => Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;

const turnover = (name, n) =>
  JSON.stringify({
    transaction: `${name}-${process.pid}-${n}`,
    customer_ref: `C-${1000 + (n % 50)}`,
    receipt_number: `R-${name}-${n}`,
    amount_cents: 1000 + n,
    currency: 'EUR',
  });

/** The request for sample n and the topic its answer arrives on (gateway: the registry's topics). */
function request(s, n) {
  const payload = turnover(s.name, n);
  if (s.target === 'gateway') {
    return {
      topic: `${BASE}/request/loyalty/turnover`,
      payload,
      answer: `${BASE}/response/loyalty/turnover`,
      tx: `${s.name}-${process.pid}-${n}`,
    };
  }
  return { topic: `req/${s.mode}/${s.name}/${n}`, payload, answer: `res/${s.name}/${n}`, tx: undefined };
}

const subscription = (s) =>
  s.target === 'gateway' ? `${BASE}/response/loyalty/turnover` : `res/${s.name}/#`;

async function connectTill({ name, port, tuned }) {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
  // What a till developer sets (README "For till developers"); mqtt.js has no option for it.
  if (tuned) c.stream.setNoDelay(true);
  clients.set(name, c);
}

/** One block of sequential requests, subscribed only for the block, so tills never hear each other. */
async function block(s) {
  const c = clients.get(s.name);
  const samples = new Float64Array(s.count);
  const waits = new Float64Array(s.count);
  const answers = [];
  await c.subscribeAsync(subscription(s), { qos: 1 });
  let expected = '';
  let tx;
  let arrived = () => {};
  const onMessage = (topic, payload) => {
    if (topic === expected && (tx === undefined || payload.includes(tx))) arrived(payload);
  };
  c.on('message', onMessage);
  global.gc();
  try {
    for (let i = 0; i < s.count; i++) {
      const req = request(s, s.n0 + i);
      expected = req.answer;
      tx = req.tx;
      const answer = new Promise((resolve) => {
        arrived = resolve;
      });
      const w0 = runQueueMs(process.pid) + runQueueMs(s.serverPid);
      const t0 = nowMs();
      c.publish(req.topic, req.payload, { qos: s.qos });
      const payload = await answer;
      samples[i] = nowMs() - t0;
      waits[i] = runQueueMs(process.pid) + runQueueMs(s.serverPid) - w0;
      if (s.target === 'gateway') answers.push(payload);
    }
  } finally {
    c.off('message', onMessage);
    await c.unsubscribeAsync(subscription(s));
  }
  // Checked after the block: parsing answers is the till's business, not part of the round trip.
  const unexpected = [];
  for (const a of answers) {
    const body = JSON.parse(a.toString());
    if (body.status !== 'ok' || body.data?.state !== 'queued') unexpected.push(a.toString());
  }
  return { samples: Array.from(samples), waits: Array.from(waits), unexpected };
}

/** Plain 200-byte TCP round trips to the floor's echo, Nagle off: Node's own loopback floor. */
async function echo({ port, count, serverPid }) {
  const socket = tcpConnect({ port, host: '127.0.0.1', noDelay: true });
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const message = Buffer.alloc(200, 0x61);
  const samples = new Float64Array(count);
  const waits = new Float64Array(count);
  global.gc();
  for (let i = 0; i < count; i++) {
    const w0 = runQueueMs(process.pid) + runQueueMs(serverPid);
    const t0 = nowMs();
    await new Promise((resolve) => {
      let got = 0;
      const onData = (d) => {
        got += d.length;
        if (got < message.length) return;
        socket.off('data', onData);
        resolve();
      };
      socket.on('data', onData);
      socket.write(message);
    });
    samples[i] = nowMs() - t0;
    waits[i] = runQueueMs(process.pid) + runQueueMs(serverPid) - w0;
  }
  socket.destroy();
  return { samples: Array.from(samples), waits: Array.from(waits), unexpected: [] };
}

const commands = {
  connect: connectTill,
  block,
  echo,
  async end() {
    await Promise.all([...clients.values()].map((c) => c.endAsync().catch(() => {})));
    setImmediate(() => process.exit(0));
  },
};

process.on('message', async (msg) => {
  try {
    process.send({ ok: true, result: await commands[msg.cmd](msg) });
  } catch (err) {
    process.send({ ok: false, error: String(err?.stack ?? err) });
  }
});
