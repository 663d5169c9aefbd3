// The status page bench's control for a browser on the box (bench/page.ts, run inside
// bench/page-clients.mjs). On this 2-vCPU machine any work on the other vCPU lengthens the gateway's
// slow scans, even a plain busy loop at SCHED_IDLE, so a browser drawing on one side of the ABBA only
// measures the browser's presence as much as the page. The mirror keeps the browser's work the same
// on both sides: the page is loaded from it once and stays open, its one event stream held by the
// mirror, and the mirror feeds that stream from one of two sources:
//   live    a technician stream of the gateway's /api/events, opened now (the gateway serves a live
//           page, as with a phone), forwarded event by event and recorded with each event's time;
//   replay  the last live recording played at its own pace; the gateway serves nothing.
//   off     nothing (between blocks).
// Everything else the page asks for goes through to the gateway as it is.
import { createServer, request } from 'node:http';

const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-store',
  'x-accel-buffering': 'no',
};

/** Whole events (up to their blank line) out of a stream of chunks; the rest waits. */
function eventSplitter(onEvent) {
  let buf = '';
  return (chunk) => {
    buf += chunk.toString();
    for (let end = buf.indexOf('\n\n'); end !== -1; end = buf.indexOf('\n\n')) {
      onEvent(buf.slice(0, end + 2));
      buf = buf.slice(end + 2);
    }
  };
}

export function startMirror(base) {
  const target = new URL(base);
  const m = { sink: null, cookie: '', upstream: null, live: null, recording: null, timer: null };
  const write = (text) => m.sink?.write(text);
  const stop = () => {
    // The gateway's stream closes with its upstream: on the gateway's side the page is closed.
    m.upstream?.destroy();
    m.upstream = null;
    if (m.live?.length) m.recording = m.live;
    m.live = null;
    clearTimeout(m.timer);
    m.timer = null;
  };
  const live = () =>
    new Promise((resolve, reject) => {
      const rec = [];
      const t0 = performance.now();
      const upstream = request(
        {
          host: target.hostname,
          port: target.port,
          path: '/api/events',
          headers: { cookie: m.cookie, accept: 'text/event-stream' },
        },
        (res) => {
          if (res.statusCode !== 200) return reject(new Error(`live stream: ${res.statusCode}`));
          const split = eventSplitter((ev) => {
            rec.push([performance.now() - t0, ev]);
            write(ev);
            resolve(); // its first events (retry, status, history) are through: the stream is live
          });
          res.on('data', split);
        },
      );
      upstream.on('error', (err) => (m.upstream === upstream ? reject(err) : undefined));
      upstream.end();
      m.upstream = upstream;
      m.live = rec;
    });
  const replay = () => {
    const rec = m.recording ?? [];
    const t0 = performance.now();
    let i = 0;
    const next = () => {
      while (i < rec.length && rec[i][0] <= performance.now() - t0) write(rec[i++][1]);
      m.timer = i < rec.length ? setTimeout(next, rec[i][0] - (performance.now() - t0)) : null;
    };
    next();
  };
  const server = createServer((req, res) => {
    if (req.url === '/api/events') {
      m.sink?.end();
      m.sink = res;
      m.cookie = req.headers.cookie ?? '';
      res.writeHead(200, SSE_HEADERS);
      res.write('retry: 2000\n\n');
      res.on('close', () => {
        if (m.sink === res) m.sink = null;
      });
      return;
    }
    const upstream = request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        base: `http://127.0.0.1:${server.address().port}`,
        /** Switches the page's stream to `live`, `replay` or `off`; resolves once it is so. */
        async source(mode) {
          stop();
          if (mode === 'live') await live();
          else if (mode === 'replay') {
            if (!m.recording) throw new Error('source replay: nothing recorded yet');
            replay();
          } else if (mode !== 'off') throw new Error(`source: live, replay or off, not ${mode}`);
          return { recorded_events: m.recording?.length ?? 0 };
        },
        close() {
          stop();
          m.sink?.end();
          server.close();
          server.closeAllConnections();
        },
      }),
    ),
  );
}
