#!/usr/bin/env node
// Entry point of the `edge-gateway` command. On the appliance (NODE_ENV=production, set by the
// systemd unit) it runs the compiled dist/ — no compiler at start-up, which keeps start → ready
// and memory inside the bars of DESIGN §10. Everywhere else it runs the TypeScript sources through
// tsx, so a checkout never runs stale output.
import { existsSync } from 'node:fs';

const dist = new URL('../dist/cli.js', import.meta.url);
if (process.env.NODE_ENV === 'production' && existsSync(dist)) {
  await import(dist.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
