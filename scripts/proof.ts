// `npm run proof` (issue 12): runs the proof suite (test/proof/) with PROOF_SCALE times the
// property runs of `npm test` and the full fault soak, and the durability proofs (test/durability/),
// collects the figures every one of them records, and prints them as one table per part (bad input,
// fault soak, durability, security matrix, privacy scan); `--docs` also writes those tables into
// docs/proof.md. Exits non-zero when a test failed.
//
//   npm run proof                      # scale 50
//   PROOF_SCALE=200 npm run proof      # longer
//   PROOF_SEED=123 npm run proof       # replay a reported property failure
//   SOAK_SEED=123 npm run proof        # replay a reported fault soak
//   npm run proof -- --docs            # and update docs/proof.md
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeTempDir, tempDir } from '../test/helpers/cleanup.ts';
import type { Figure } from '../test/proof/figures.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const scale = process.env.PROOF_SCALE ?? '50';
const writeDocs = process.argv.includes('--docs');

function proofFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return proofFiles(path);
    return entry.name.endsWith('.test.ts') ? [relative(root, path)] : [];
  });
}

function runAva(files: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    // Long property runs keep a worker busy without a test finishing: a generous inactivity timeout.
    const child = spawn(join(root, 'node_modules', '.bin', 'ava'), ['--timeout=15m', ...files], {
      cwd: root,
      env,
      stdio: 'inherit',
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const n = (x: number) => x.toLocaleString('en-US');

function machine(): string {
  const model = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${cpus().length} × ${model}, Node ${process.version}, ${process.platform}/${process.arch}`;
}

const line = (cells: string[]) => `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
const outcomeList = (outcomes: Record<string, number>) =>
  Object.entries(outcomes)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${n(v)}`)
    .join('; ');

/** One Markdown table: a row per property and per corpus group, then the totals. */
function table(figures: Figure[]): string {
  const rows: string[][] = [];
  const properties = figures.filter((f) => f.kind === 'property');
  const corpus = figures.filter((f) => f.kind === 'corpus');
  for (const p of properties.sort((a, b) => a.subject.localeCompare(b.subject))) {
    rows.push([
      `property: ${p.subject}`,
      p.property,
      `${n(p.runs)} runs`,
      `seed ${p.seed}, slowest run ${p.slowestMs} ms`,
      String(p.failures),
    ]);
  }
  for (const c of corpus) {
    rows.push([`corpus: ${c.group}`, '', `${n(c.cases)} cases`, outcomeList(c.outcomes), String(c.failures)]);
  }
  const runs = properties.reduce((s, p) => s + p.runs, 0);
  const cases = corpus.reduce((s, c) => s + c.cases, 0);
  const failures = figures.reduce((s, f) => s + f.failures, 0);
  rows.push([
    '**total**',
    `${properties.length} properties, ${corpus.length} corpus groups`,
    `${n(runs)} runs, ${n(cases)} cases`,
    '',
    `**${failures}**`,
  ]);
  const head = ['part', 'what', 'runs / cases', 'outcomes', 'failures'];
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The security or privacy matrix: a row per group of cells, then the totals. */
function matrixTable(figures: Figure[], section: 'security' | 'privacy'): string {
  const groups = figures.filter(
    (f): f is Extract<Figure, { kind: 'matrix' }> => f.kind === 'matrix' && f.section === section,
  );
  const rows = groups.map((g) => [g.group, g.cell, n(g.cells), outcomeList(g.outcomes), String(g.failures)]);
  const cells = groups.reduce((s, g) => s + g.cells, 0);
  const failures = groups.reduce((s, g) => s + g.failures, 0);
  rows.push(['**total**', `${groups.length} groups`, n(cells), '', `**${failures}**`]);
  const head = ['group', 'one cell is', 'cells', 'outcomes', 'failures'];
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** A table of measured figures (fault soak, durability): a row each, in the order recorded. */
function rowsTable(figures: Figure[], section: 'faults' | 'durability'): string {
  const rows = figures.filter(
    (f): f is Extract<Figure, { kind: 'row' }> => f.kind === 'row' && f.section === section,
  );
  const failures = rows.reduce((s, r) => s + r.failures, 0);
  const body = rows.map((r) => [r.what, r.figure, r.bar, String(r.failures)]);
  body.push(['**total**', `${rows.length} rows`, '', `**${failures}**`]);
  const head = ['what', 'figure', 'bar', 'failures'];
  return [line(head), line(head.map(() => '---')), ...body.map(line)].join('\n');
}

/** Rewrites each `<!-- proof:<name>:begin --> … <!-- proof:<name>:end -->` block of docs/proof.md. */
function updateDocs(blocks: Record<string, string>): void {
  const path = join(root, 'docs', 'proof.md');
  let doc = readFileSync(path, 'utf8');
  for (const [name, block] of Object.entries(blocks)) {
    const begin = `<!-- proof:${name}:begin -->`;
    const end = `<!-- proof:${name}:end -->`;
    const from = doc.indexOf(begin);
    const to = doc.indexOf(end);
    if (from < 0 || to < from) throw new Error(`${path} has no ${begin} … ${end} block`);
    doc = `${doc.slice(0, from + begin.length)}\n${block}\n${doc.slice(to)}`;
  }
  writeFileSync(path, doc);
}

{
  // Removed at exit and on Ctrl-C too (test/helpers/cleanup.ts), not only after a run to the end.
  const dir = tempDir('edge-proof-');
  const figuresFile = join(dir, 'figures.jsonl');
  writeFileSync(figuresFile, '');
  const started = Date.now();
  const files = [...proofFiles(join(root, 'test', 'proof')), ...proofFiles(join(root, 'test', 'durability'))];
  const code = await runAva(files, { ...process.env, PROOF_SCALE: scale, PROOF_FIGURES: figuresFile });
  const figures = readFileSync(figuresFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Figure);
  removeTempDir(dir);
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  const date = new Date().toISOString().slice(0, 10);
  const stamp = [
    `Run ${date}, PROOF_SCALE=${scale}, ${minutes} min, ava exit code ${code}.`,
    `Machine: ${machine()}.`,
    '',
  ];
  const blocks = {
    'bad-input': [...stamp, table(figures)].join('\n'),
    faults: [...stamp, rowsTable(figures, 'faults')].join('\n'),
    durability: [...stamp, rowsTable(figures, 'durability')].join('\n'),
    security: [...stamp, matrixTable(figures, 'security')].join('\n'),
    privacy: [...stamp, matrixTable(figures, 'privacy')].join('\n'),
  };
  process.stdout.write(
    `\nProof figures: bad input\n\n${blocks['bad-input']}\n` +
      `\nProof figures: fault soak\n\n${blocks.faults}\n` +
      `\nProof figures: durability\n\n${blocks.durability}\n` +
      `\nProof figures: security matrix\n\n${blocks.security}\n` +
      `\nProof figures: privacy scan\n\n${blocks.privacy}\n`,
  );
  if (writeDocs) updateDocs(blocks);
  process.exitCode = code;
}
