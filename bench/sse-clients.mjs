// The page's streams for bench/page.ts, read in a process of their own, as on a phone: read in the
// bench's process, every batch of scans would first wake the loop that times the till's client,
// and the page's cost would be measured in the clock instead of the gateway. Commands on stdin, one
// a line: `open <base> <cookie|-> <public streams>` opens a stream with the session cookie (the
// technician's, or none) and that many public ones, and answers `{"ready":true}` once each has
// its first frames; `close` closes them and answers the bytes each carried after that first frame.
import { createInterface } from 'node:readline';

let streams = [];

function open(base, cookie, count) {
  const one = (headers) => {
    const s = { abort: new AbortController(), bytes: 0, first: 0 };
    s.ready = new Promise((resolve, reject) => {
      s.done = fetch(`${base}/api/events`, { signal: s.abort.signal, headers })
        .then(async (res) => {
          const reader = res.body.getReader();
          for (let r = await reader.read(); !r.done; r = await reader.read()) {
            s.bytes += r.value.length;
            // The first frames: retry, status and history, then the stream is live.
            if (!s.first && s.bytes > 0) {
              s.first = s.bytes;
              resolve();
            }
          }
        })
        .catch((err) => (s.first ? undefined : reject(err)));
    });
    return s;
  };
  streams = [...(cookie === '-' ? [] : [one({ cookie })]), ...Array.from({ length: count }, () => one({}))];
  return Promise.all(streams.map((s) => s.ready));
}

const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, base, cookie, count] = line.split(' ');
  if (cmd === 'open') {
    await open(base, cookie, Number(count));
    say({ ready: true });
  } else if (cmd === 'close') {
    const bytes = streams.map((s) => s.bytes - s.first);
    for (const s of streams) s.abort.abort();
    await Promise.all(streams.map((s) => s.done));
    streams = [];
    say({ bytes });
  }
}
