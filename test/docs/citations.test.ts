// Citations of docs/ (issue 8 item 5): every `§` in the code resolves to a heading or list entry of
// docs/, nothing cites the research notes outside the repository, and scripts/docs-citations.mjs
// (which rewrites and checks them) edits comments only.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';
import ts from 'typescript';
import { testTempDir } from '../helpers/cleanup.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const script = join(root, 'scripts', 'docs-citations.mjs');
const run = promisify(execFile);

interface Change {
  line: number;
  from: string;
  to: string;
  note?: string;
}
interface Problem {
  line: number;
  message: string;
}
interface Docs {
  sections: Map<string, { items: Set<number> }>;
  sources: Set<string>;
  stackHeadings: string[];
}
interface Citations {
  SCAN_DOC: string;
  loadDocs(root: string): Docs;
  checkRepo(root: string): { files: number; problems: (Problem & { path: string })[] };
  checkText(path: string, src: string, docs: Docs): Problem[];
  rewriteText(path: string, src: string, docs: Docs): { text: string; changes: Change[] };
  repoFiles(root: string): string[];
  lexJs(src: string): { comments: [number, number][]; strings: [number, number][] };
}

// A dynamic specifier: the script is plain JavaScript without type declarations.
const specifier = pathToFileURL(script).href;
const citations = (await import(specifier)) as Citations;
const docs = citations.loadDocs(root);

test('every § citation in the repository resolves to a section or list entry of docs/', (t) => {
  const { files, problems } = citations.checkRepo(root);
  t.true(files > 100, `walked ${files} files`);
  t.deepEqual(
    problems.map((p) => `${p.path}:${p.line}: ${p.message}`),
    [],
    'run `node scripts/docs-citations.mjs` to rewrite old citations, then fix what `--check` lists',
  );
});

test('no file cites ../shared or "reference §"', (t) => {
  const offenders = [
    ...citations.repoFiles(root),
    'docs/README.md',
    'docs/scanners-and-readers.md',
    'docs/stack-notes.md',
  ].filter((path) =>
    /\.\.\/shared|\breference\s*(?:\/\/|\*|#)?\s*§/i.test(readFileSync(join(root, path), 'utf8')),
  );
  t.deepEqual(offenders, []);
});

test('docs/scanners-and-readers.md keeps the numbering the code cites', (t) => {
  for (const id of ['0', '1.1', '1.10', '2.4', '3.3', '4.2', '5.3', '6.6', '7.2', '8', '9', '10']) {
    t.true(docs.sections.has(id), `§${id}`);
  }
  t.deepEqual([...(docs.sections.get('0')?.items ?? [])], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  t.deepEqual([...(docs.sections.get('4.2')?.items ?? [])], [1, 2, 3, 4, 5]);
  t.deepEqual(
    [...(docs.sections.get('8')?.items ?? [])],
    Array.from({ length: 36 }, (_, i) => i + 1),
  );
  t.true(docs.sources.has('S16') && docs.sources.has('S22b') && docs.sources.has('S80'));
  t.true(docs.stackHeadings.includes('lowdb 7') && docs.stackHeadings.includes('Outbox measurement'));
});

test('the check names each citation that points nowhere and accepts the ones that resolve', (t) => {
  const src = [
    '// ok: (docs/scanners-and-readers.md §0 rule 8, §4.2 rule 3, §8 items 16–21, S16)',
    '// ok: a bare § after the document on the line before: docs/scanners-and-readers.md',
    '// §5.2; DESIGN §11 and RFC 9110 §10.2.3 are not ours to resolve',
    'const a = 1;',
    '// docs/scanners-and-readers.md §11',
    '// docs/scanners-and-readers.md §0 rule 11',
    '// docs/scanners-and-readers.md §8 items 35–37',
    'const c = 2;',
    '// see §1.5',
    '// docs/stack-notes.md "lowdb 9"; docs/stack-notes.md "lowdb 7"',
    '// source S99',
    "const b = '../shared/reference'; // reference §1.5",
  ].join('\n');
  t.deepEqual(
    citations.checkText('src/x.ts', src, docs).map((p) => `${p.line}: ${p.message}`),
    [
      '12: points into ../shared (outside the repository): "../shared"',
      '12: points into shared/reference (outside the repository): "shared/reference"',
      '12: cites "reference §"; cite docs/scanners-and-readers.md: "reference §"',
      '5: "§11": docs/scanners-and-readers.md has no §11',
      '6: "§0 rule 11": docs/scanners-and-readers.md §0 has no entry 11',
      '7: "§8 items 35–37": docs/scanners-and-readers.md §8 has no entry 37',
      '9: "§1.5" names no document (write "docs/scanners-and-readers.md §1.5" or "DESIGN §1.5")',
      '10: docs/stack-notes.md has no heading "lowdb 9"',
      '11: source S99 is not in docs/scanners-and-readers.md §10',
    ],
  );
});

test('the CLI check exits 1 and lists the problem; the rewrite then lists each change and is idempotent', async (t) => {
  const dir = testTempDir(t, 'edge-docs-citations-');
  cpSync(join(root, 'docs'), join(dir, 'docs'), { recursive: true });
  mkdirSync(join(dir, 'src'));
  mkdirSync(join(dir, 'systemd'));
  writeFileSync(
    join(dir, 'src', 'a.ts'),
    '// Keys (reference §1.5; stack-notes "lowdb 7")\nexport const a = 1;\n',
  );
  writeFileSync(join(dir, 'systemd', 'b.rules'), '# ModemManager (reference §0 rule 7)\nKERNEL=="ttyACM*"\n');

  const check = await run('node', [script, '--root', dir, '--check']).then(
    () => undefined,
    (err: { code: number; stdout: string }) => err,
  );
  t.is(check?.code, 1);
  t.regex(check?.stdout ?? '', /src\/a\.ts:1: cites "reference §"/);

  const rewrite = await run('node', [script, '--root', dir]);
  t.is(
    rewrite.stdout,
    [
      'src/a.ts:1: "reference" → "docs/scanners-and-readers.md"',
      'src/a.ts:1: "stack-notes" → "docs/stack-notes.md"',
      'systemd/b.rules:1: "reference" → "docs/scanners-and-readers.md"',
      'docs citations: rewrote 3 citation(s) in 2 file(s)',
      '',
    ].join('\n'),
  );
  t.is(
    readFileSync(join(dir, 'src', 'a.ts'), 'utf8'),
    '// Keys (docs/scanners-and-readers.md §1.5; docs/stack-notes.md "lowdb 7")\nexport const a = 1;\n',
  );
  t.is(
    (await run('node', [script, '--root', dir])).stdout,
    'docs citations: rewrote 0 citation(s) in 0 file(s)\n',
  );
  t.regex((await run('node', [script, '--root', dir, '--check'])).stdout, /every citation resolves/);
});

test('the rewrite changes comments only: strings, regular expressions and templates keep their text', (t) => {
  const substitution = '$' + '{1}';
  const src = [
    "const s = 'reference §1.5 and stack-notes';",
    'const r = /reference §1\\.5/; // reference §1.5',
    '/* stack-notes */ const u = `reference §' + substitution + ' // reference §2`;',
    'const v = a / b; // ModemManager (reference',
    '// §3.2, §8 item 25); unplug (§8 item 15)',
    '',
  ].join('\n');
  const { text, changes } = citations.rewriteText('src/x.ts', src, docs);
  t.is(
    text,
    [
      "const s = 'reference §1.5 and stack-notes';",
      'const r = /reference §1\\.5/; // docs/scanners-and-readers.md §1.5',
      '/* docs/stack-notes.md */ const u = `reference §' + substitution + ' // reference §2`;',
      'const v = a / b; // ModemManager (docs/scanners-and-readers.md',
      '// §3.2, §8 item 25); unplug (§8 item 15)',
      '',
    ].join('\n'),
  );
  t.is(changes.length, 3);
  const withoutComments = (code: string) =>
    ts
      .createPrinter({ removeComments: true })
      .printFile(ts.createSourceFile('x.ts', code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS));
  t.is(withoutComments(text), withoutComments(src));
});

test('a bare § with no document before it is made explicit, and the change is marked inferred', (t) => {
  const src = '  /** Drops a scan in progress (unplug mid-scan, §8 item 15). */\n  close(): void;\n';
  const first = citations.rewriteText('src/x.ts', src, docs);
  t.is(
    first.text,
    '  /** Drops a scan in progress (unplug mid-scan, docs/scanners-and-readers.md §8 item 15). */\n  close(): void;\n',
  );
  t.deepEqual(first.changes, [
    { line: 1, from: '§8 item 15', to: 'docs/scanners-and-readers.md §8 item 15', note: 'inferred' },
  ]);
  t.deepEqual(citations.rewriteText('src/x.ts', first.text, docs).changes, []);
});

test('a rewritten comment line longer than 100 columns is wrapped into the comment, words unchanged', (t) => {
  const src = [
    '// Payment card issuer ranges (IIN/BIN prefixes) the payment guard refuses (reference §4.2 rule 2,',
    '// source S33). Ranges are compared on their first `lo.length` digits.',
    'export const x = 1;',
  ].join('\n');
  const { text } = citations.rewriteText('src/x.ts', src, docs);
  const lines = text.split('\n');
  t.true(
    lines.every((line) => [...line].length <= 100),
    text,
  );
  t.true(text.includes('(docs/scanners-and-readers.md §4.2 rule 2,'), 'a citation is never split');
  const words = (s: string) => s.replace(/\/\/ /g, '').split(/\s+/);
  t.deepEqual(words(text), words(src.replace('reference', 'docs/scanners-and-readers.md')));
  t.deepEqual(citations.rewriteText('src/x.ts', text, docs).changes, []);
});

test('the lexer finds exactly the comments TypeScript finds, in every source file', (t) => {
  const files = citations.repoFiles(root).filter((path) => /\.(?:[mc]?ts|[mc]?js)$/.test(path));
  t.true(files.length > 100);
  for (const path of [...files, 'scripts/docs-citations.mjs']) {
    const text = readFileSync(join(root, path), 'utf8');
    t.deepEqual(citations.lexJs(text).comments, typeScriptComments(path, text), path);
  }
});

function typeScriptComments(path: string, text: string): [number, number][] {
  const kind = /\.[mc]?js$/.test(path) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, kind);
  const found = new Map<number, number>();
  const visit = (node: ts.Node): void => {
    for (const r of ts.getLeadingCommentRanges(text, node.getFullStart()) ?? []) found.set(r.pos, r.end);
    for (const r of ts.getTrailingCommentRanges(text, node.getEnd()) ?? []) found.set(r.pos, r.end);
    for (const child of node.getChildren(sf)) {
      if (child.kind < ts.SyntaxKind.FirstJSDocNode || child.kind > ts.SyntaxKind.LastJSDocNode) visit(child);
    }
  };
  visit(sf);
  return [...found].sort((a, b) => a[0] - b[0]);
}
