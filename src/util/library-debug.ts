// The `debug` package's loggers, as mqtt-packet (aedes' parser and writer) and mqtt.js create
// them, are silent unless DEBUG names them, yet each call still costs an array for its arguments
// (`function debug(...args)` checks `enabled` only inside): ~60 calls and 5 KB of garbage per till
// request, a seventh of what a request allocates, and young-generation GCs are what the slow
// answers wait for (issue 7 item 5). When DEBUG is not set at start, every logger made from now on
// is a no-op function taking no arguments, so a call builds nothing. With DEBUG set the package is
// left exactly as it is; switching a library's debug output on means restarting with DEBUG=…
// (the package reads DEBUG at start anyway). Imported first by the entry point (src/cli.ts):
// a library keeps the loggers it made while it loaded.
import { createRequire } from 'node:module';

interface DebugFactory {
  (namespace: string): unknown;
  enabled(namespace: string): boolean;
}

const require = createRequire(import.meta.url);

/** The `debug` module each of these packages loads (each may have its own copy). */
const USERS = [['aedes', 'mqtt-packet'], ['mqtt', 'mqtt-packet'], ['mqtt']] as const;

function silenced(real: DebugFactory): DebugFactory {
  const make = (namespace: string): unknown => {
    if (real.enabled(namespace)) return real(namespace);
    const off = () => {};
    return Object.assign(off, {
      namespace,
      enabled: false,
      extend: (sub: string, delimiter = ':') => make(namespace + delimiter + sub),
      log: off,
      destroy: () => true,
    });
  };
  // `default` and `debug` name the factory itself (how CommonJS and ESM callers reach it).
  return Object.assign(make, real, { default: make, debug: make });
}

export function silenceLibraryDebug(env: NodeJS.ProcessEnv = process.env): void {
  if (env.DEBUG) return;
  const done = new Set<string>();
  for (const chain of USERS) {
    let from = import.meta.url;
    let id: string;
    try {
      for (const pkg of chain) from = createRequire(from).resolve(pkg);
      id = createRequire(from).resolve('debug');
    } catch {
      continue; // not installed here (a production install without the uplink's client, say)
    }
    if (done.has(id)) continue;
    done.add(id);
    const real = require(id) as DebugFactory;
    const cached = require.cache[id];
    if (cached && cached.exports === real) cached.exports = silenced(real);
  }
}

silenceLibraryDebug();
