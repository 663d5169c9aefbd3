// The page's files from memory (src/web/assets.ts): what @fastify/static gave the page must hold —
// cache headers, strong ETags with 304 — and nothing outside the fixed set is reachable.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import Fastify from 'fastify';
import { registerAssets } from '../../src/web/assets.ts';
import { PAGE_SCANS } from '../../src/web/live.ts';
import { ASSETS_DIR } from '../../src/web/server.ts';

async function app() {
  const a = Fastify();
  registerAssets(a, ASSETS_DIR);
  await a.ready();
  return a;
}

test('assets carry type, an hour of caching and a strong ETag; the page revalidates', async (t) => {
  const a = await app();
  const js = await a.inject({ url: '/assets/app.js' });
  t.is(js.statusCode, 200);
  t.is(js.headers['content-type'], 'text/javascript; charset=utf-8');
  t.is(js.headers['cache-control'], 'public, max-age=3600');
  t.regex(String(js.headers.etag), /^"[\w-]{27}"$/);
  const page = await a.inject({ url: '/' });
  t.is(page.statusCode, 200);
  t.is(page.headers['content-type'], 'text/html; charset=utf-8');
  t.is(page.headers['cache-control'], 'no-cache');
  t.true(page.body.includes('/assets/app.js'));
  await a.close();
});

test('If-None-Match with the current ETag (alone, in a list or weak) answers 304 without a body', async (t) => {
  const a = await app();
  const { etag } = (await a.inject({ url: '/assets/app.css' })).headers;
  for (const inm of [String(etag), `"other", ${etag}`, `W/${etag}`, '*']) {
    const res = await a.inject({ url: '/assets/app.css', headers: { 'if-none-match': inm } });
    t.is(res.statusCode, 304, inm);
    t.is(res.body, '', inm);
  }
  const stale = await a.inject({ url: '/assets/app.css', headers: { 'if-none-match': '"other"' } });
  t.is(stale.statusCode, 200);
  await a.close();
});

test('only the fixed set is served: unknown names and traversal attempts are 404', async (t) => {
  const a = await app();
  for (const url of ['/assets/nope.js', '/assets/../server.ts', '/assets/%2e%2e/server.ts', '/assets/']) {
    t.is((await a.inject({ url })).statusCode, 404, url);
  }
  await a.close();
});

test('the page lists as many scans as a live frame carries (app.js SCANS_SHOWN, live.ts PAGE_SCANS)', (t) => {
  // The page is a plain script that cannot import the server's constant: a list longer than a frame
  // would show rows no frame refreshes, a shorter one drops scans the box built views for.
  const js = readFileSync(join(ASSETS_DIR, 'app.js'), 'utf8');
  const shown = /^const SCANS_SHOWN = (\d+);$/m.exec(js);
  t.truthy(shown, 'app.js declares SCANS_SHOWN');
  t.is(Number(shown?.[1]), PAGE_SCANS);
});
