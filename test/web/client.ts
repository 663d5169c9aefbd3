// A minimal browser stand-in for API tests: one cookie jar, the CSRF token from /api/session.
export class WebClient {
  cookie = '';
  csrf = '';
  constructor(readonly base: string) {}

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
    const res = await fetch(this.base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const set = res.headers.getSetCookie();
    for (const c of set) {
      const [pair] = c.split(';');
      if (pair?.startsWith('edge_session=')) this.cookie = pair.endsWith('=') ? '' : pair;
    }
    const text = await res.text();
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
}

export function setupCodeFrom(lines: string[]): string {
  for (const l of lines) {
    const j = JSON.parse(l);
    if (typeof j.setup_code === 'string') return j.setup_code;
  }
  throw new Error('no setup code in the log');
}
