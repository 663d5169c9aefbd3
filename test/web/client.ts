// A minimal browser stand-in for API tests: one cookie jar, the CSRF token from /api/session.
import { request as httpRequest } from 'node:http';

export interface WebClientOptions {
  /** The client's own address (any of 127.0.0.0/8 on Linux): a separate client for the rate limits. */
  localAddress?: string;
}

interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
}

export class WebClient {
  cookie = '';
  csrf = '';
  constructor(
    readonly base: string,
    readonly opts: WebClientOptions = {},
  ) {}

  async request(
    method: string,
    path: string,
    body?: unknown,
    opts: { csrf?: boolean; headers?: Record<string, string> } = {},
  ) {
    const headers: Record<string, string> = { ...opts.headers };
    if (this.cookie) headers.cookie = this.cookie;
    if (opts.csrf !== false && this.csrf && method !== 'GET') headers['x-csrf-token'] = this.csrf;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const res = this.opts.localAddress
      ? await this.fromAddress(method, path, headers, payload)
      : await fetch(this.base + path, { method, headers, body: payload }).then(async (r) => ({
          status: r.status,
          headers: r.headers,
          text: await r.text(),
        }));
    const set = res.headers.getSetCookie();
    for (const c of set) {
      const [pair] = c.split(';');
      if (pair?.startsWith('edge_session=')) this.cookie = pair.endsWith('=') ? '' : pair;
    }
    const text = res.text;
    let data: any = text;
    try {
      data = JSON.parse(text);
    } catch {}
    if (data && typeof data === 'object' && typeof data.csrf_token === 'string') this.csrf = data.csrf_token;
    return { status: res.status, data, text, headers: res.headers, setCookie: set };
  }

  get(path: string) {
    return this.request('GET', path);
  }

  post(path: string, body?: unknown, opts?: { csrf?: boolean }) {
    return this.request('POST', path, body ?? {}, opts);
  }

  /** A session with its CSRF token, as the page gets it. */
  async open() {
    return this.get('/api/session');
  }

  /** node:http, since fetch cannot pick the local address. A live stream is read up to its headers. */
  private fromAddress(
    method: string,
    path: string,
    headers: Record<string, string>,
    payload: string | undefined,
  ): Promise<RawResponse> {
    const url = new URL(this.base + path);
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          method,
          host: url.hostname,
          port: url.port,
          path: url.pathname + url.search,
          headers,
          localAddress: this.opts.localAddress,
        },
        (res) => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers))
            for (const one of [v ?? []].flat()) h.append(k, String(one));
          if (String(res.headers['content-type']).startsWith('text/event-stream')) {
            req.destroy();
            return resolve({ status: res.statusCode ?? 0, headers: h, text: '' });
          }
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: h,
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }
}

export function setupCodeFrom(lines: string[]): string {
  for (const l of lines) {
    const j = JSON.parse(l);
    if (typeof j.setup_code === 'string') return j.setup_code;
  }
  throw new Error('no setup code in the log');
}
