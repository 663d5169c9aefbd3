// The README's reference tables, generated from the catalogues they document so they cannot drift:
// MQTT topics (the registry, the till's and the ops uplink's), error codes, exit codes, environment variables
// and scan warning codes.
// `node --import=tsx scripts/readme-tables.ts` rewrites them; test/catalogues/readme.test.ts fails
// when the README is not what this would write.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decoderWarnings, scanWarnings } from '../src/classify/warnings.ts';
import { ENVIRONMENT } from '../src/config/env.ts';
import { ERROR_CODES, EXIT_CODES, EXIT_MEANINGS, type ExitName } from '../src/errors.ts';
import { TOPICS, UPLINK_TOPICS } from '../src/mqtt/topics.ts';

export const README = fileURLToPath(new URL('../README.md', import.meta.url));

const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
const table = (head: readonly string[], rows: readonly (readonly string[])[]) =>
  [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');
const code = (s: string) => `\`${s}\``;

export const TABLES: Record<string, () => string> = {
  topics: () =>
    table(
      ['topic (below `pos/<till_id>/`)', 'direction', 'retained', 'QoS', 'what'],
      Object.values(TOPICS).map((d) => [
        code(d.pattern.replace(/\{(\w+)\*?\}/g, '<$1>')),
        d.direction === 'box_to_till' ? 'box → till' : 'till → box',
        d.retain ? 'yes' : 'no',
        String(d.qos),
        d.doc,
      ]),
    ),
  'uplink-topics': () =>
    table(
      ['topic (below `edge/<branch_id>/<till_id>/`)', 'retained', 'QoS', 'what'],
      Object.values(UPLINK_TOPICS).map((d) => [
        code(d.pattern),
        d.retain ? 'yes' : 'no',
        String(d.qos),
        d.doc,
      ]),
    ),
  'error-codes': () =>
    table(
      ['code', 'meaning'],
      Object.entries(ERROR_CODES).map(([c, meaning]) => [code(c), meaning]),
    ),
  'exit-codes': () =>
    table(
      ['exit', 'name', 'meaning'],
      (Object.keys(EXIT_CODES) as ExitName[]).map((n) => [String(EXIT_CODES[n]), code(n), EXIT_MEANINGS[n]]),
    ),
  'scan-warnings': () =>
    table(
      ['warning', 'from', 'meaning'],
      Object.entries(scanWarnings).map(([c, meaning]) => [
        code(c),
        Object.hasOwn(decoderWarnings, c) ? 'decoder' : 'classifier',
        meaning,
      ]),
    ),
  environment: () =>
    table(
      ['variable', 'setting', 'what'],
      Object.entries(ENVIRONMENT).map(([name, v]) => [code(name), v.setting ? code(v.setting) : '', v.doc]),
    ),
};

const BLOCK = /(<!-- BEGIN generated:([\w-]+)[^>]*-->\n)[\s\S]*?(\n<!-- END generated:\2 -->)/g;

/** The README with every generated block replaced by what the catalogues say now. */
export function renderReadme(text: string): string {
  return text.replace(BLOCK, (_m, begin: string, name: string, end: string) => {
    const render = TABLES[name];
    if (!render) throw new Error(`README: no generated table named ${name}`);
    return `${begin}${render()}${end}`;
  });
}

/** The names of the generated blocks the README holds. */
export function generatedBlocks(text: string): string[] {
  return [...text.matchAll(BLOCK)].map((m) => m[2]!);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const before = readFileSync(README, 'utf8');
  const after = renderReadme(before);
  writeFileSync(README, after);
  process.stdout.write(after === before ? 'README tables up to date\n' : 'README tables rewritten\n');
}
