// MQTT over WebSocket (DESIGN §3): browser tills cannot open a TCP socket. Each WebSocket becomes a
// byte stream handed to the same aedes instance as the TCP listener, so logins, ACLs and the topic
// registry are the very same code on both transports.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { Logger } from '../log.ts';

export interface WebSocketListener {
  readonly port: number;
  close(): Promise<void>;
}

export interface WebSocketListenerOptions {
  host: string;
  port: number;
  /** aedes.handle: takes a connection stream and the HTTP upgrade request (for the peer address). */
  handle: (stream: Duplex, req: IncomingMessage) => void;
  logger: Logger;
}

/** MQTT packets are small; one far beyond the broker's payload limit is refused by `ws` itself. */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export async function listenWebSocket(opts: WebSocketListenerOptions): Promise<WebSocketListener> {
  const http: Server = createServer({ noDelay: true }, (_req, res) => {
    // A plain GET (a browser pointed at the port by mistake) gets a hint, not a hang.
    res.writeHead(426, { 'content-type': 'text/plain; charset=utf-8', upgrade: 'websocket' });
    res.end('MQTT over WebSocket: connect with an MQTT client to ws://<host>:<port>/mqtt\n');
  });
  const wss = new WebSocketServer({
    server: http,
    maxPayload: MAX_MESSAGE_BYTES,
    // MQTT over WebSocket names the subprotocol `mqtt` (3.1.1) or `mqttv3.1`; a client that offers
    // none is served too (as mosquitto does), since the bytes are MQTT either way.
    handleProtocols: (offered) => (offered.has('mqtt') ? 'mqtt' : (offered.values().next().value ?? false)),
  });
  wss.on('connection', (ws, req) => {
    // Answers are small and latency-bound: no Nagle here either (see the TCP listener).
    req.socket.setNoDelay(true);
    const stream = createWebSocketStream(ws);
    // A reset browser tab errors the stream; aedes logs its own client error, this keeps the
    // stream's 'error' from being unhandled before aedes has attached its listener.
    stream.on('error', (err) => opts.logger.debug('mqtt websocket stream error', { error: err }));
    opts.handle(stream, req);
  });
  wss.on('error', (err) => opts.logger.warn('mqtt websocket server error', { error: err }));

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port, opts.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;

  return {
    port,
    async close() {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
      await closed;
    },
  };
}
