// fastify speaks pino's calling convention (`log.info(obj, msg)`, `log.info(msg)`, `child(bindings)`);
// this adapts it to the project's one logger so HTTP lines are the same JSON lines as the rest
// (BRIEF: one logger, no second log format). Request and reply objects become their few useful
// fields: never headers, so a cookie or a session id never reaches the journal.
import type { FastifyBaseLogger } from 'fastify';
import type { LogFields, Logger } from '../log.ts';

type Level = 'debug' | 'info' | 'warn' | 'error';

export function fastifyLogger(log: Logger): FastifyBaseLogger {
  const call =
    (level: Level) =>
    (a?: unknown, b?: unknown): void => {
      if (typeof a === 'string') log[level](a, typeof b === 'object' && b ? fields(b) : undefined);
      else if (a instanceof Error) log[level](typeof b === 'string' ? b : a.message, { error: a });
      else log[level](typeof b === 'string' ? b : 'http', typeof a === 'object' && a ? fields(a) : undefined);
    };
  const adapted = {
    level: log.level === 'silent' ? 'silent' : log.level,
    fatal: call('error'),
    error: call('error'),
    warn: call('warn'),
    info: call('info'),
    debug: call('debug'),
    trace: () => {},
    silent: () => {},
    child: (bindings: Record<string, unknown>) => fastifyLogger(log.child(fields(bindings))),
  };
  return adapted as unknown as FastifyBaseLogger;
}

function fields(obj: object): LogFields {
  const out: LogFields = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'req' && v && typeof v === 'object') {
      const r = v as { method?: string; url?: string };
      out.method = r.method;
      out.path = r.url?.split('?')[0];
    } else if (k === 'res' && v && typeof v === 'object') {
      out.status = (v as { statusCode?: number }).statusCode;
    } else if (k === 'err') {
      out.error = v;
    } else if (k === 'reqId') {
      out.req_id = v;
    } else {
      out[k] = v;
    }
  }
  return out;
}
