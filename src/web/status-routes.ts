// Public, read-only routes (DESIGN §7 status): the status document, the last hour for the chart,
// and the live stream. A technician's stream additionally carries scan details.
import type { FastifyInstance } from 'fastify';
import type { History } from './history.ts';
import { frame, type LiveHub } from './live.ts';

export function statusRoutes(
  app: FastifyInstance,
  deps: { status: () => unknown; history: History; hub: LiveHub },
): void {
  app.get('/api/status', async (_req, reply) => {
    reply.header('cache-control', 'no-store');
    return deps.status();
  });
  app.get('/api/history', async (_req, reply) => {
    reply.header('cache-control', 'no-store');
    return { points: deps.history.points() };
  });
  app.get('/api/events', (req, reply) => {
    // Helmet's headers were set on the reply by its hook; a hijacked reply writes them itself.
    const headers = {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    };
    reply.hijack();
    reply.raw.writeHead(200, headers);
    // A HEAD has no body: node sends the headers only with the end, and a stream never ends, so the
    // caller would wait for ever while the hub kept an invisible client.
    if (req.method === 'HEAD') {
      reply.raw.end();
      return;
    }
    const first =
      'retry: 2000\n\n' +
      frame('status', deps.status()) +
      frame('history', { points: deps.history.points() });
    deps.hub.add({ res: reply.raw, technician: req.session.technician === true }, first);
  });
}
