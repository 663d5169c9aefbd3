// The HTTP part logs through the project's one logger (BRIEF: one logger for HTTP and the rest):
// the server's own lines and each request's lines are our JSON lines, with the request id, and
// fastify is built without pino (its logger would only wrap ours, at ~0.6 MB of heap).
import { createRequire } from 'node:module';
import test from 'ava';
import { createLogger } from '../../src/log.ts';
import { createWebServer } from '../../src/web/server.ts';
import { createSessionStore } from '../../src/web/session-store.ts';

test('HTTP lines are the gateway logger’s JSON lines with the request id, and pino is never loaded', async (t) => {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line)) });
  const app = await createWebServer({
    logger: logger.child({ part: 'http' }),
    sessionKey: 'k'.repeat(64),
    sessions: createSessionStore(),
  });
  t.teardown(() => app.close());
  app.get('/boom', async () => {
    throw new Error('handler broke');
  });
  await app.listen({ host: '127.0.0.1', port: 0 });

  const ok = await app.inject({ method: 'GET', url: '/healthz?x=1' });
  t.is(ok.statusCode, 200);
  const boom = await app.inject({ method: 'GET', url: '/boom' });
  t.is(boom.statusCode, 500);
  t.deepEqual(boom.json(), { error: 'internal_error', message: 'internal error' });

  const listening = lines.filter((l) => String(l.msg).startsWith('Server listening at http://127.0.0.1:'));
  t.is(listening.length, 1);
  t.is(listening[0]!.part, 'http');
  const requests = lines.filter((l) => l.msg === 'http request');
  t.deepEqual(
    requests.map((l) => [l.path, l.status, l.part, typeof l.req_id]),
    [
      ['/healthz', 200, 'http', 'string'],
      ['/boom', 500, 'http', 'string'],
    ],
  );
  const failed = lines.filter((l) => l.msg === 'http handler failed');
  t.is(failed.length, 1);
  t.is(failed[0]!.level, 'error');
  t.is(failed[0]!.path, '/boom');
  t.is((failed[0]!.error as { message?: string }).message, 'handler broke');
  t.is(failed[0]!.req_id, requests[1]!.req_id);

  const loaded = Object.keys(createRequire(import.meta.url).cache);
  t.true(
    loaded.some((f) => f.includes('/node_modules/fastify/')),
    'fastify is in the require cache',
  );
  t.deepEqual(
    loaded.filter((f) => f.includes('/node_modules/pino')),
    [],
  );
});
