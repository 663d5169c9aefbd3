#!/usr/bin/env node
// Entry point of the `edge-gateway` command. On the appliance (NODE_ENV=production, set by the
// systemd unit) it runs the compiled dist/ — no compiler at start-up, which keeps start → ready
// and memory inside the bars of DESIGN §10, and tsx is a development dependency that a production
// install (`npm prune --omit=dev`) does not have. In a checkout it runs the TypeScript sources
// through tsx, so a checkout never runs stale output.
import { existsSync } from 'node:fs';

const dist = new URL('../dist/cli.js', import.meta.url);
const production = process.env.NODE_ENV === 'production';

async function loadTsx() {
  try {
    return await import('tsx/esm/api');
  } catch {
    return undefined;
  }
}

if (production && existsSync(dist)) {
  await import(dist.href);
} else {
  const tsx = production ? undefined : await loadTsx();
  if (tsx) {
    tsx.register();
    await import('../src/cli.ts');
  } else if (existsSync(dist)) {
    // An installed box without its NODE_ENV (a technician running the command by hand).
    await import(dist.href);
  } else {
    process.stderr.write(
      production
        ? 'edge-gateway: dist/ is missing; build it with `npm run build` (NODE_ENV=production runs dist/)\n'
        : 'edge-gateway: neither dist/ nor tsx is installed; run `npm ci` (development) or `npm run build`\n',
    );
    process.exit(1);
  }
}
