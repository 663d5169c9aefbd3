// A till that stops reading (a frozen POS app or browser tab): a raw TCP socket, or a WebSocket,
// that says CONNECT + SUBSCRIBE and then never reads again (test/mqtt/stuck-till.test.ts,
// reconnect-backlog.test.ts).
import { createConnection, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { WebSocket } from 'ws';
import type { ScanEvent } from '../../src/mqtt/topics.ts';

/** One scan of a flood (about 1 KB): enough of them fill a stuck till's socket many times over. */
export function floodScan(seq: number): ScanEvent {
  return {
    id: `flood-${seq}`,
    seq,
    ts: new Date(0).toISOString(),
    device_id: 'flood',
    profile: 'generic',
    transport: 'hid',
    symbology: null,
    aim: null,
    kind: 'text',
    text: 'x'.repeat(900),
    warnings: [],
  };
}

export type Transport = 'tcp' | 'ws';

/** The CONNECT and SUBSCRIBE a stuck till sends, and a parser that resolves on its SUBACK. */
function handshake(
  clientId: string,
  qos: 0 | 1,
  topic: string,
  login?: { username: string; password: string },
) {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const subacked = new Promise<void>((resolve, reject) => {
    parser.on('packet', (p) => {
      if (p.cmd === 'connack' && p.returnCode !== 0) reject(new Error(`refused: ${p.returnCode}`));
      if (p.cmd === 'suback') resolve();
    });
  });
  const packets = [
    mqttPacket.generate({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clientId,
      clean: true,
      keepalive: 0,
      ...(login ? { username: login.username, password: Buffer.from(login.password) } : {}),
    }),
    mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos }] }),
  ];
  return { parser, subacked, packets };
}

/**
 * Connects, subscribes to the scans at `qos`, waits for the SUBACK, then never reads again: over
 * TCP, or over WebSocket with its TCP socket paused (a browser tab frozen in the debugger or by
 * the OS stops reading the same way).
 */
export async function stuckTill(
  transport: Transport,
  port: number,
  qos: 0 | 1,
  topic: string,
  login?: { username: string; password: string },
): Promise<{ destroy(): void }> {
  const { parser, subacked, packets } = handshake(`stuck-${transport}-q${qos}`, qos, topic, login);
  if (transport === 'tcp') {
    const socket = createConnection({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.on('data', (d) => parser.parse(d));
    socket.on('error', () => {}); // the broker may end it: that is the point
    for (const p of packets) socket.write(p);
    await subacked;
    socket.removeAllListeners('data');
    socket.pause();
    return socket;
  }
  const ws = new WebSocket(`ws://127.0.0.1:${port}/mqtt`, 'mqtt');
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.on('message', (d: Buffer) => parser.parse(d));
  ws.on('error', () => {});
  for (const p of packets) ws.send(p);
  await subacked;
  ws.removeAllListeners('message');
  (ws as unknown as { _socket: Socket })._socket.pause();
  return { destroy: () => ws.terminate() };
}
