// One HTTP request/response with a deadline, a caller's abort and a response size limit, over a
// keep-alive agent. Transport only: paths, headers, bodies and what a status means are the
// adapter's wire mapping (http-adapter.ts and its http-*.ts siblings, DESIGN §4).
import http from 'node:http';
import https from 'node:https';

export type Exchange =
  | { kind: 'response'; status: number; headers: http.IncomingHttpHeaders; text: string }
  | { kind: 'timeout' }
  | { kind: 'aborted' }
  | { kind: 'network'; detail: string };

export interface ExchangeRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface HttpExchange {
  request(r: ExchangeRequest): Promise<Exchange>;
  close(): void;
}

export function createHttpExchange(opts: {
  baseUrl: string;
  maxSockets: number;
  maxResponseBytes: number;
}): HttpExchange {
  const isHttps = opts.baseUrl.startsWith('https:');
  // Keep-alive: a turnover should not pay a TCP (and TLS) handshake each time. Free sockets are dropped
  // before a typical server keep-alive (5 s) ends, so a reused socket is rarely already closed.
  const agent = isHttps
    ? new https.Agent({ keepAlive: true, maxSockets: opts.maxSockets, timeout: 4000 })
    : new http.Agent({ keepAlive: true, maxSockets: opts.maxSockets, timeout: 4000 });
  const transport = isHttps ? https : http;

  function request({ method, path, headers, body, timeoutMs, signal }: ExchangeRequest): Promise<Exchange> {
    if (signal?.aborted) return Promise.resolve({ kind: 'aborted' });
    return new Promise<Exchange>((resolve) => {
      const controller = new AbortController();
      let settled = false;
      let timedOut = false;
      const finish = (result: Exchange) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onCallerAbort);
        resolve(result);
      };
      const onCallerAbort = () => controller.abort();
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
      signal?.addEventListener('abort', onCallerAbort, { once: true });
      const failed = (err: unknown) => {
        if (timedOut) return finish({ kind: 'timeout' });
        if (signal?.aborted) return finish({ kind: 'aborted' });
        const e = err as { code?: string; message?: string };
        finish({ kind: 'network', detail: e.code ?? e.message ?? 'network error' });
      };
      let req: http.ClientRequest;
      try {
        req = transport.request(opts.baseUrl + path, {
          method,
          agent,
          signal: controller.signal,
          headers: {
            ...headers,
            ...(body === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(body)) }),
          },
        });
      } catch (err) {
        failed(err);
        return;
      }
      req.on('error', failed);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > opts.maxResponseBytes) {
            res.destroy(new Error('response too large'));
            return;
          }
          chunks.push(c);
        });
        res.on('error', failed);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.complete)
            finish({ kind: 'response', status: res.statusCode ?? 0, headers: res.headers, text });
          else failed(new Error('response incomplete'));
        });
        // A socket destroyed mid-answer may close the response without 'end' or 'error'.
        res.on('close', () => failed(new Error('connection closed before the answer was complete')));
      });
      req.end(body);
    });
  }

  return { request, close: () => agent.destroy() };
}
