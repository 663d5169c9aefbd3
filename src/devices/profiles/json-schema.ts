// firmware-config/profile.schema.json is generated from the zod schema, never edited by hand; a test
// compares the committed file with a fresh generation so the two cannot drift (STYLE: one schema
// produces types, defaults and JSON Schema). Regenerate: node --import=tsx src/devices/profiles/json-schema.ts

import { renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { profileSchema } from './schema.ts';

export const profileJsonSchemaFile = fileURLToPath(
  new URL('../../../firmware-config/profile.schema.json', import.meta.url),
);

/** What a profile author writes: defaults are optional, hex strings allowed (io: input). */
export function profileJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(profileSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
}

export function renderProfileJsonSchema(): string {
  return `${JSON.stringify(profileJsonSchema(), null, 2)}\n`;
}

export function writeProfileJsonSchema(file: string = profileJsonSchemaFile): string {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, renderProfileJsonSchema());
  renameSync(tmp, file);
  return file;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`wrote ${writeProfileJsonSchema()}\n`);
}
