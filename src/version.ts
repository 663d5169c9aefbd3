// The gateway's version (package.json) and the MQTT API version tills can check in gateway/info.
import { readFileSync } from 'node:fs';

export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** Bumped when a topic or payload of DESIGN §3 changes incompatibly. */
export const API_VERSION = 1;
