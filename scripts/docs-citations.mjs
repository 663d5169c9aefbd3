#!/usr/bin/env node
// Citations of the project's own docs/ in comments (issue 8 item 5: a clone must be self-contained).
//
//   node scripts/docs-citations.mjs            rewrite old citations in place, print every change
//   node scripts/docs-citations.mjs --dry-run  print what would change, write nothing
//   node scripts/docs-citations.mjs --check    exit 1 when a citation points outside the repository or
//                                              to a section, list entry, heading or source that
//                                              docs/ does not have
//   --root DIR                                 work on another checkout (default: this one)
//
// Rewrites (idempotent: a second run changes nothing):
//   `reference §X` (also split over two comment lines, any case) → `docs/scanners-and-readers.md §X`
//   `reference 3.1` (fixture comments without §)                 → `docs/scanners-and-readers.md §3.1`
//   `stack-notes`, `stack-notes.md`, `reference/stack-notes.md`  → `docs/stack-notes.md`
//   a bare `§X` with no document named before it in the same comment, when §X exists in
//   docs/scanners-and-readers.md → made explicit (printed as "inferred": review those lines)
//   the few prose mentions and mis-citations listed in PHRASES and CORRECTIONS below.
// Only comments are touched: `//` and `/* */` in TypeScript/JavaScript (plus string literals under
// test/, where test titles cite the docs), `#` lines in shell, systemd, udev and fixture files, the
// "notes"/"description"/"$comment"/"title" strings of JSON files, and Markdown prose.
//
// No dependencies: the lexer below is small and tested against TypeScript's own comment ranges
// (test/docs/citations.test.ts).

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SCAN_DOC = 'docs/scanners-and-readers.md';
export const STACK_DOC = 'docs/stack-notes.md';
/** Directories whose files cite docs/. */
export const ROOTS = ['src', 'test', 'bench', 'bin', 'firmware-config', 'scripts', 'systemd'];
/** These hold the old citation forms as data (patterns, fixtures): never rewritten or checked. */
const SELF = ['scripts/docs-citations.mjs', 'test/docs/'];
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', 'coverage']);

const JS_EXT = new Set(['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs']);
const HASH_EXT = new Set(
  '.sh .bash .service .socket .timer .rules .hex .txt .conf .yml .yaml .toml .ini .env .py'.split(' '),
);
/** JSON keys whose string values are prose. */
const JSON_DOC_KEYS = new Set(['notes', 'description', '$comment', 'comment', 'title']);

/**
 * Exact prose that named the research notes without a section; each replacement is specific enough
 * to run again safely (the new text no longer matches).
 */
const PHRASES = [
  // "laid out as the reference documents them" (profiles/replay.ts)
  { re: /\breference(?=\s+documents them)/g, to: SCAN_DOC },
  { re: /\bThe reference gives no VID:PID\b/g, to: `${SCAN_DOC} §3.3 lists no VID:PID` },
  { re: /\bgives the reference vector\b/g, to: `gives the vector of ${SCAN_DOC} §1.4` },
  { re: /\bas the reference table lists them\b/g, to: `as ${SCAN_DOC} §1.3 lists them` },
];

/** Citations whose target never existed in that form. */
const CORRECTIONS = [
  // §4 has no list of its own; the layout-independent digit view is step 3 of §4.2.
  { doc: SCAN_DOC, from: '§4 item 3', to: '§4.2 rule 3' },
];

// ---------------------------------------------------------------------------------------------
// Lexing: where the comments (and string literals) of a TypeScript/JavaScript file are.

/** Keywords after which a `/` starts a regular expression, not a division. */
const EXPR_KEYWORDS = new Set(
  'return typeof instanceof in of new delete void throw case do else yield await'.split(' '),
);

/**
 * Comment ranges (including their `//` or `/* *\/`) and string literal content ranges (template
 * chunks one by one) of JavaScript/TypeScript source, as [start, end) offsets.
 * @param {string} src
 * @returns {{ comments: [number, number][], strings: [number, number][] }}
 */
export function lexJs(src) {
  const comments = [];
  const strings = [];
  const n = src.length;
  const templates = []; // brace depth inside each open `${`
  let regexOk = true; // would a `/` here start a regular expression?
  let i = 0;

  const template = (from) => {
    // from: just after the opening backtick or the `}` closing a substitution
    let j = from;
    while (j < n) {
      const c = src[j];
      if (c === '\\') j += 2;
      else if (c === '`') {
        strings.push([from, j]);
        regexOk = false;
        return j + 1;
      } else if (c === '$' && src[j + 1] === '{') {
        strings.push([from, j]);
        templates.push(0);
        regexOk = true;
        return j + 2;
      } else j += 1;
    }
    strings.push([from, n]);
    return n;
  };

  while (i < n) {
    const c = src[i];
    const next = src[i + 1];
    if (c === '/' && next === '/') {
      let j = src.indexOf('\n', i);
      if (j < 0) j = n;
      if (src[j - 1] === '\r') j -= 1;
      comments.push([i, j]);
      i = j;
    } else if (c === '/' && next === '*') {
      const close = src.indexOf('*/', i + 2);
      const j = close < 0 ? n : close + 2;
      comments.push([i, j]);
      i = j;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < n && src[j] !== c && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
      strings.push([i + 1, Math.min(j, n)]);
      i = j + 1;
      regexOk = false;
    } else if (c === '`') {
      i = template(i + 1);
    } else if (c === '/' && regexOk) {
      let j = i + 1;
      let inClass = false;
      while (j < n && src[j] !== '\n') {
        const r = src[j];
        if (r === '\\') j += 2;
        else {
          if (r === '[') inClass = true;
          else if (r === ']') inClass = false;
          else if (r === '/' && !inClass) break;
          j += 1;
        }
      }
      j += 1;
      while (j < n && /[a-z]/i.test(src[j])) j += 1;
      i = j;
      regexOk = false;
    } else if (/[A-Za-z_$\u0080-\uffff]/.test(c)) {
      let j = i + 1;
      while (j < n && /[\w$\u0080-\uffff]/.test(src[j])) j += 1;
      const word = src.slice(i, j);
      regexOk = EXPR_KEYWORDS.has(word);
      i = j;
    } else if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < n && /[\w.]/.test(src[j])) j += 1;
      i = j;
      regexOk = false;
    } else if (/\s/.test(c)) {
      i += 1;
    } else {
      if (c === '{' && templates.length > 0) templates[templates.length - 1] += 1;
      if (c === '}' && templates.length > 0) {
        if (templates[templates.length - 1] === 0) {
          templates.pop();
          i = template(i + 1);
          continue;
        }
        templates[templates.length - 1] -= 1;
      }
      regexOk = !(c === ')' || c === ']' || c === '}');
      i += 1;
    }
  }
  return { comments, strings };
}

/** String values of JSON_DOC_KEYS in a JSON text, as content ranges. */
function jsonDocStrings(src) {
  const out = [];
  const re = /"((?:[^"\\]|\\.)*)"/g;
  let key; // the previous string, when a `:` followed it
  let last = 0;
  for (const m of src.matchAll(re)) {
    const between = src.slice(last, m.index);
    last = m.index + m[0].length;
    if (key !== undefined && /^\s*:\s*$/.test(between) && JSON_DOC_KEYS.has(key)) {
      out.push([m.index + 1, last - 1]);
    }
    key = /^\s*:/.test(src.slice(last, last + 16)) ? m[1] : undefined;
  }
  return out;
}

/** Full-line `#` comments. */
function hashComments(src) {
  return [...src.matchAll(/^[ \t]*#.*$/gm)].map((m) => [m.index, m.index + m[0].replace(/\r$/, '').length]);
}

/** Paragraphs of a Markdown file (prose throughout). */
function markdownParagraphs(src) {
  return [...src.matchAll(/[^\n]+(?:\n[^\n]+)*/g)].map((m) => [m.index, m.index + m[0].length]);
}

/**
 * The ranges of a file that may cite docs, grouped into blocks: one block per comment, with
 * consecutive line comments (only a line break and indentation between them) forming one block.
 * A region's kind is `string` for a string literal of a test file, `prose` for everything else.
 * @returns {{ start: number, end: number, regions: [number, number, string][] }[]}
 */
export function blocksOf(path, src) {
  const ext = extname(path).toLowerCase();
  const prose = (ranges) => ranges.map(([s, e]) => [s, e, 'prose']);
  let regions = [];
  let joinLines = true;
  if (JS_EXT.has(ext)) {
    const { comments, strings } = lexJs(src);
    regions = prose(comments);
    if (path.startsWith('test/')) {
      regions = [...regions, ...strings.map(([s, e]) => [s, e, 'string'])].sort((a, b) => a[0] - b[0]);
    }
  } else if (ext === '.json') {
    regions = prose(jsonDocStrings(src));
    joinLines = false;
  } else if (HASH_EXT.has(ext)) {
    regions = prose(hashComments(src));
  } else if (ext === '.md') {
    regions = prose(markdownParagraphs(src));
    joinLines = false;
  }
  const blocks = [];
  for (const r of regions) {
    const prev = blocks[blocks.length - 1];
    const sameKind = prev && prev.regions[prev.regions.length - 1][2] === r[2];
    if (joinLines && sameKind && /^[ \t]*\r?\n[ \t]*$/.test(src.slice(prev.end, r[0]))) {
      prev.end = r[1];
      prev.regions.push(r);
    } else blocks.push({ start: r[0], end: r[1], regions: [r] });
  }
  return blocks;
}

// ---------------------------------------------------------------------------------------------
// The docs: sections, their numbered lists, headings, sources.

/** Sections (`## 1.5 …`), the numbers of their list entries, and the `Sn` ids of §10. */
export function parseScanDoc(md) {
  const sections = new Map();
  let current;
  for (const line of md.split('\n')) {
    const h = /^#{2,6}\s+(\d+(?:\.\d+)*)\.?\s/.exec(line);
    if (h) {
      current = { id: h[1], items: new Set() };
      sections.set(h[1], current);
      continue;
    }
    if (/^#{1,6}\s/.test(line)) current = undefined;
    const item = /^(\d+)\.\s/.exec(line);
    if (item && current) current.items.add(Number(item[1]));
  }
  // Sources are defined in bold (`**S16**`) in §10.
  const tail = md.slice(Math.max(0, md.search(/^## 10\.\s/m)));
  const sources = new Set([...tail.matchAll(/\*\*(S\d+[a-c]?)\*\*/g)].map((m) => m[1]));
  return { sections, sources };
}

/** `## heading` texts of docs/stack-notes.md. */
export function parseStackDoc(md) {
  return [...md.matchAll(/^##\s+(.+?)\s*$/gm)].map((m) => m[1]);
}

export function loadDocs(root) {
  const scan = parseScanDoc(readFileSync(join(root, SCAN_DOC), 'utf8'));
  const stack = parseStackDoc(readFileSync(join(root, STACK_DOC), 'utf8'));
  return { ...scan, stackHeadings: stack };
}

// ---------------------------------------------------------------------------------------------
// Citations inside one block.

/** The end of a comment line and the marker of the next, between a document's name and its `§`. */
const GAP = String.raw`\s*(?:(?:\/\/|\*|#)\s*)?$`;
const DOC_BEFORE = [
  { doc: SCAN_DOC, re: new RegExp(String.raw`docs\/scanners-and-readers\.md` + GAP) },
  { doc: 'outside', re: new RegExp(String.raw`scanners-and-card-readers(?:\.md)?` + GAP) },
  { doc: 'outside', re: new RegExp(String.raw`\breference` + GAP, 'i') },
  { doc: 'DESIGN', re: new RegExp(String.raw`\bDESIGN(?:\.md)?` + GAP) },
  {
    doc: 'public',
    re: new RegExp(
      String.raw`(?:\bRFC\s?\d+|\bHID\s+1\.11|\bHID Usage Tables|\bSpecifications|\bDigital Link standard(?:\s+\d+(?:\.\d+)*)?|\bISO(?:\/IEC)?\s+\d+(?:-\d+)*|\bPCI DSS(?:\s+v?\d+(?:\.\d+)*)?)` +
        GAP,
    ),
  },
];

const SECTION_RE =
  /§\s?(\d+(?:\.\d+)*|[A-Z](?![A-Za-z]))((?:\s+(?:rules?|items?|steps?)\s+\d+(?:\s*(?:,|and|–|-)\s*\d+)*)?)/g;

function listNumbers(qualifier) {
  const out = [];
  const body = qualifier.replace(/^\s+(?:rules?|items?|steps?)\s+/, '');
  for (const part of body.split(/\s*(?:,|and)\s*/)) {
    const range = /^(\d+)\s*[–-]\s*(\d+)$/.exec(part);
    if (range) for (let k = Number(range[1]); k <= Number(range[2]); k++) out.push(k);
    else if (/^\d+$/.test(part)) out.push(Number(part));
  }
  return out;
}

/** Every `§` citation of a block with the document it belongs to (or none). */
function citationsIn(text) {
  const out = [];
  let doc;
  let from = 0;
  for (const m of text.matchAll(SECTION_RE)) {
    const before = text.slice(Math.max(from, m.index - 80), m.index);
    const named = DOC_BEFORE.find((d) => d.re.test(before));
    if (named) doc = named.doc;
    out.push({
      index: m.index,
      text: m[0],
      section: m[1],
      items: listNumbers(m[2]),
      doc,
    });
    from = m.index + m[0].length;
  }
  return out;
}

function sectionProblem(docs, section, items) {
  const s = docs.sections.get(section);
  if (!s) return `${SCAN_DOC} has no §${section}`;
  const missing = items.filter((k) => !s.items.has(k));
  if (missing.length > 0) return `${SCAN_DOC} §${section} has no entry ${missing.join(', ')}`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Rewriting.

function lineOf(src, index) {
  let line = 1;
  for (let k = src.indexOf('\n'); k >= 0 && k < index; k = src.indexOf('\n', k + 1)) line += 1;
  return line;
}

function inRegion(block, start, end, kind) {
  return block.regions.some(([s, e, k]) => start >= s && end <= e && (kind === undefined || k === kind));
}

/**
 * Rewrites the citations of one file.
 * @returns {{ text: string, changes: { line: number, from: string, to: string, note?: string }[] }}
 */
export function rewriteText(path, src, docs) {
  const changes = [];
  // Pass 1: old names → docs/ paths. Only the words are replaced, never the comment markers.
  const edits = [];
  for (const block of blocksOf(path, src)) {
    const text = src.slice(block.start, block.end);
    const add = (m, to) => {
      const s = block.start + m.index;
      const e = s + m[0].length;
      if (!inRegion(block, s, e) || edits.some(([es, ee]) => s < ee && e > es)) return;
      edits.push([s, e, to]);
      changes.push({ line: lineOf(src, s), from: m[0], to });
    };
    for (const p of PHRASES) for (const m of text.matchAll(p.re)) add(m, p.to);
    // `reference §X`, also with the § on the next comment line.
    for (const m of text.matchAll(/\breference(?=\s*(?:\/\/|\*|#)?\s*§\s?\d)/gi)) add(m, SCAN_DOC);
    for (const m of text.matchAll(/\breference (\d+(?:\.\d+)+)\b/gi)) add(m, `${SCAN_DOC} §${m[1]}`);
    for (const m of text.matchAll(/(?:\.\.\/shared\/)?(?:reference\/)?scanners-and-card-readers\.md/g)) {
      add(m, SCAN_DOC);
    }
    for (const m of text.matchAll(
      /(?<![\w./-])(?:(?:\.\.\/)?shared\/)?(?:reference\/)?stack-notes(?:\.md)?(?![\w-])/g,
    )) {
      add(m, STACK_DOC);
    }
  }
  const mid = apply(src, edits);

  // Pass 2, on the result: known mis-citations, and bare § made explicit.
  const edits2 = [];
  for (const block of blocksOf(path, mid)) {
    const text = mid.slice(block.start, block.end);
    for (const c of citationsIn(text)) {
      const s = block.start + c.index;
      const e = s + c.text.length;
      // Test strings may hold data that looks like a citation: only comments are inferred or corrected.
      if (!inRegion(block, s, e, 'prose')) continue;
      const fix = CORRECTIONS.find((f) => c.text === f.from && (c.doc === f.doc || c.doc === undefined));
      if (fix) {
        const to = c.doc === undefined ? `${SCAN_DOC} ${fix.to}` : fix.to;
        edits2.push([s, e, to]);
        changes.push({ line: lineOf(mid, s), from: c.text, to, note: 'corrected' });
      } else if (c.doc === undefined && sectionProblem(docs, c.section, c.items) === undefined) {
        edits2.push([s, s, `${SCAN_DOC} `]);
        changes.push({ line: lineOf(mid, s), from: c.text, to: `${SCAN_DOC} ${c.text}`, note: 'inferred' });
      }
    }
  }
  changes.sort((x, y) => x.line - y.line);
  const out = apply(mid, edits2);
  const reflowable = JS_EXT.has(extname(path).toLowerCase()) || HASH_EXT.has(extname(path).toLowerCase());
  return { text: reflowable ? reflow(src, out) : out, changes };
}

/**
 * Rewritten comment lines are wrapped at the width most comments here use (biome's limit is 110).
 */
const WIDTH = 100;
const width = (line) => [...line].length;

/**
 * Spaces a wrap must not break, as U+0000: inside a `code span`, between a document and its §, inside
 * `§8 item 31`, and before a lone `%`.
 */
function unbreakable(text) {
  return text
    .replace(/`[^`]*`/g, (span) => span.replaceAll(' ', '\u0000'))
    .replace(/(docs\/[\w.-]+\.md) (?=§)/g, '$1\u0000')
    .replace(/(§[\w.]+) ((?:rules?|items?|steps?)) (\d)/g, '$1\u0000$2\u0000$3')
    .replace(/ %/g, '\u0000%');
}

/** A line that is only a comment: its prefix (indentation, marker, spaces) and its text. */
function commentLine(line) {
  if (/^\s*\*\/\s*$/.test(line)) return undefined; // the ` */` closing a block comment
  const m = /^(\s*)(\/\*\*?|\/\/|\*|#)(\s*)(\S.*)$/.exec(line);
  if (!m) return undefined;
  const opener = m[2].startsWith('/*');
  return {
    prefix: m[1] + m[2] + m[3],
    // The lines after `/** text` continue as ` * text`.
    next: opener ? `${m[1]} * ` : m[1] + m[2] + m[3],
    text: m[4],
  };
}

/**
 * Lines the rewrite made longer than WIDTH give their last words to the next line when that line is
 * a plain continuation of the same comment (same prefix), else to a new line with that prefix. Only
 * full-line comments are touched; a comment after code stays as it is.
 */
function reflow(before, after) {
  const old = before.split('\n');
  const lines = after.split('\n');
  if (old.length !== lines.length) return after;
  const out = [];
  let carry; // { prefix, text } still to be placed
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    let touched = line !== old[i];
    if (carry) {
      const c = commentLine(line);
      // Not into a list item, a table row or a JSDoc tag: those start lines of their own.
      if (c && c.prefix === carry.prefix && !/^(?:[-*+|>@]|\d+[.)]\s)/.test(c.text)) {
        line = carry.prefix + carry.text + ' ' + c.text;
        touched = true;
      } else out.push(carry.prefix + carry.text);
      carry = undefined;
    }
    const c = touched && width(line) > WIDTH ? commentLine(line) : undefined;
    if (c) {
      const words = unbreakable(c.text)
        .split(' ')
        .map((w) => w.replaceAll('\u0000', ' '));
      let k = 1;
      while (k < words.length && width(`${c.prefix}${words.slice(0, k + 1).join(' ')}`.trimEnd()) <= WIDTH)
        k += 1;
      const tail = words.slice(k).join(' ').trim();
      if (tail !== '') {
        out.push((c.prefix + words.slice(0, k).join(' ')).trimEnd());
        carry = { prefix: c.next, text: tail };
        continue;
      }
    }
    out.push(line);
  }
  if (carry) out.push(carry.prefix + carry.text);
  return out.join('\n');
}

function apply(src, edits) {
  let out = src;
  for (const [s, e, to] of [...edits].sort((a, b) => b[0] - a[0])) out = out.slice(0, s) + to + out.slice(e);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Checking.

/** Citation forms that point outside the repository, looked for anywhere in a file. */
const OUTSIDE = [
  { re: /\.\.\/shared\b/g, why: 'points into ../shared (outside the repository)' },
  { re: /\/work\/shared\b/g, why: 'points into /work/shared (outside the repository)' },
  { re: /\bshared\/reference\b/g, why: 'points into shared/reference (outside the repository)' },
  { re: /scanners-and-card-readers/g, why: `cites the research notes; cite ${SCAN_DOC}` },
  { re: /\breference\s*(?:\/\/|\*|#)?\s*§/gi, why: `cites "reference §"; cite ${SCAN_DOC}` },
  {
    re: /(?<!docs\/)stack-notes/g,
    why: `cites stack-notes outside docs/; cite ${STACK_DOC}`,
    skipInDocs: true,
  },
];

/**
 * Problems of one file: citations that point outside the repository or to nothing.
 * @returns {{ line: number, message: string }[]}
 */
export function checkText(path, src, docs) {
  const problems = [];
  const report = (index, message) => problems.push({ line: lineOf(src, index), message });
  for (const o of OUTSIDE) {
    // docs/ links its own files by relative name (`[x](stack-notes.md)`).
    if (o.skipInDocs && path.startsWith('docs/')) continue;
    for (const m of src.matchAll(o.re)) report(m.index, `${o.why}: ${JSON.stringify(m[0])}`);
  }

  const isScanDoc = path === SCAN_DOC;
  for (const block of blocksOf(path, src)) {
    const text = src.slice(block.start, block.end);
    for (const c of citationsIn(text)) {
      const at = block.start + c.index;
      if (!inRegion(block, at, at + c.text.length)) continue;
      const doc = c.doc ?? (isScanDoc ? SCAN_DOC : undefined);
      if (doc === undefined) {
        report(at, `"${c.text}" names no document (write "${SCAN_DOC} ${c.text}" or "DESIGN ${c.text}")`);
      } else if (doc === SCAN_DOC) {
        const problem = sectionProblem(docs, c.section, c.items);
        if (problem) report(at, `"${c.text}": ${problem}`);
      }
    }
    for (const m of text.matchAll(/docs\/stack-notes\.md\s*,?\s*"([^"]+)"/g)) {
      const heading = m[1].toLowerCase();
      if (!docs.stackHeadings.some((h) => h.toLowerCase().startsWith(heading))) {
        report(block.start + m.index, `${STACK_DOC} has no heading "${m[1]}"`);
      }
    }
    // `Sn` source ids, in prose regions only (test data strings may hold anything).
    for (const [rs, re, kind] of block.regions) {
      if (kind !== 'prose') continue;
      for (const m of src.slice(rs, re).matchAll(/\bS(\d{1,2}[a-c]?)(?:\s*[–-]\s*S(\d{1,2}[a-c]?))?\b/g)) {
        const ends = [`S${m[1]}`, ...(m[2] ? [`S${m[2]}`] : [])];
        const missing = ends.filter((id) => !docs.sources.has(id));
        if (missing.length > 0)
          report(rs + m.index, `source ${missing.join(', ')} is not in ${SCAN_DOC} §10`);
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// The repository.

/** Files under ROOTS (and docs/ for checking), repository-relative with `/`. */
export function repoFiles(root, { includeDocs = false } = {}) {
  const out = [];
  const walk = (dir) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) walk(rel);
      } else if (entry.isFile() && !SELF.some((s) => rel === s || (s.endsWith('/') && rel.startsWith(s)))) {
        const ext = extname(entry.name).toLowerCase();
        if (JS_EXT.has(ext) || HASH_EXT.has(ext) || ext === '.json' || ext === '.md') out.push(rel);
      }
    }
  };
  for (const dir of [...ROOTS, ...(includeDocs ? ['docs'] : [])]) {
    try {
      walk(dir);
    } catch (err) {
      if (err.code !== 'ENOENT') throw err;
    }
  }
  return out.sort();
}

export function rewriteRepo(root, { write = true } = {}) {
  const docs = loadDocs(root);
  const changed = [];
  for (const path of repoFiles(root)) {
    const src = readFileSync(join(root, path), 'utf8');
    const { text, changes } = rewriteText(path, src, docs);
    if (changes.length === 0) continue;
    if (write) writeFileSync(join(root, path), text);
    changed.push({ path, changes });
  }
  return changed;
}

export function checkRepo(root) {
  const docs = loadDocs(root);
  const problems = [];
  let files = 0;
  for (const path of repoFiles(root, { includeDocs: true })) {
    files += 1;
    const src = readFileSync(join(root, path), 'utf8');
    for (const p of checkText(path, src, docs)) problems.push({ path, ...p });
  }
  return { files, problems };
}

function main(argv) {
  const at = argv.indexOf('--root');
  const root =
    at >= 0 ? resolve(argv[at + 1] ?? '.') : resolve(dirname(fileURLToPath(import.meta.url)), '..');
  if (argv.includes('--check')) {
    const { files, problems } = checkRepo(root);
    for (const p of problems) console.log(`${p.path}:${p.line}: ${p.message}`);
    console.log(
      problems.length === 0
        ? `docs citations: ${files} files checked, every citation resolves inside the repository`
        : `docs citations: ${problems.length} problem(s) in ${files} files`,
    );
    return problems.length === 0 ? 0 : 1;
  }
  const write = !argv.includes('--dry-run');
  const changed = rewriteRepo(root, { write });
  let count = 0;
  for (const { path, changes } of changed) {
    for (const c of changes) {
      count += 1;
      const note = c.note ? ` (${c.note})` : '';
      console.log(`${path}:${c.line}: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}${note}`);
    }
  }
  const verb = write ? 'rewrote' : 'would rewrite';
  console.log(`docs citations: ${verb} ${count} citation(s) in ${changed.length} file(s)`);
  if (changed.some(({ changes }) => changes.some((c) => c.note === 'inferred'))) {
    console.log('review the lines marked (inferred): a bare § was taken to mean the device reference');
  }
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
