// The HTTP server on the status port (DESIGN §7). Routes are registered by the parts that own
// them (status now; the page, technician area and /metrics later) so this file stays a server.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../log.ts';

export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

export interface HttpServer {
  readonly port: number;
  readonly host: string;
  route(method: string, path: string, handler: Route): void;
  close(): Promise<void>;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export async function startHttpServer(opts: {
  host: string;
  port: number;
  logger: Logger;
}): Promise<HttpServer> {
  const routes = new Map<string, Route>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const handler = routes.get(`${req.method} ${url.pathname}`);
    if (!handler) {
      const allowed = [...routes.keys()].some((k) => k.endsWith(` ${url.pathname}`));
      return sendJson(res, allowed ? 405 : 404, { error: allowed ? 'method_not_allowed' : 'not_found' });
    }
    Promise.resolve()
      .then(() => handler(req, res, url))
      .catch((err) => {
        opts.logger.error('http handler failed', { path: url.pathname, error: err });
        if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' });
        else res.destroy();
      });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : opts.port,
    host: opts.host,
    route(method, path, handler) {
      routes.set(`${method.toUpperCase()} ${path}`, handler);
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive and live-update connections would hold close() open past the 2 s stop budget.
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
