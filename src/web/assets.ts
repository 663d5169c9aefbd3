// The status page's own files (src/web/assets), served from memory by plain fastify routes.
// Why not @fastify/static: the page is a fixed set of ~10 small files that only change with a
// release, so reading them once at start and answering from a fixed URL → bytes map needs no
// filesystem lookup per request (no path resolution, so no traversal surface at all) and none of
// the plugin's machinery (glob, send, the whole mime database: ~1.8 MB of heap on import, measured
// for a page of ~40 KB). What the plugin gave the page is kept: a strong ETag with 304 answers to
// If-None-Match, `public, max-age=3600` on assets and `no-cache` on the page itself; helmet's
// headers come from its onRequest hook like on every other route.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The only kinds of file the page ships; anything else in the directory is not served. */
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

function load(dir: string, name: string): Asset | undefined {
  const type = TYPES[extname(name)];
  if (type === undefined) return undefined;
  const body = readFileSync(join(dir, name));
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  return { body, type, etag };
}

function handler(asset: Asset, cacheControl: string) {
  return (req: FastifyRequest, reply: FastifyReply) => {
    reply.header('etag', asset.etag).header('cache-control', cacheControl);
    // A list (`"a", "b"`) or `*` as RFC 9110 §13.1.2 allows; weak validators compare equal too.
    const match = req.headers['if-none-match'];
    if (
      match !== undefined &&
      (match.trim() === '*' || match.split(',').some((m) => m.trim().replace(/^W\//, '') === asset.etag))
    ) {
      return reply.code(304).send();
    }
    return reply.type(asset.type).send(asset.body);
  };
}

/** `/` (the page, revalidated on every load) and `/assets/<file>` for each file in dir at start. */
export function registerAssets(app: FastifyInstance, dir: string): void {
  for (const name of readdirSync(dir).sort()) {
    const asset = load(dir, name);
    if (asset === undefined) continue;
    app.get(`/assets/${name}`, handler(asset, 'public, max-age=3600'));
    if (name === 'index.html') app.get('/', handler(asset, 'no-cache'));
  }
}
