// A listing of a directory tree for before/after comparisons: type, mode, owner and group (by name,
// from the tree's own /etc/passwd and /etc/group), content hash or link target, and for files the
// modification time, so a file rewritten with the same content counts as a change too.
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface Entry {
  type: 'file' | 'dir' | 'link';
  mode: string;
  owner: string;
  /** sha256 of a file, the target of a link. */
  content?: string;
  mtimeMs?: number;
}

function names(file: string): Map<number, string> {
  const out = new Map<number, string>();
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [name, , id] = line.split(':');
    if (name && id !== undefined) out.set(Number(id), name);
  }
  return out;
}

export function listing(root: string): Map<string, Entry> {
  const users = names(join(root, 'etc/passwd'));
  const groups = names(join(root, 'etc/group'));
  const out = new Map<string, Entry>();
  const walk = (rel: string) => {
    const abs = join(root, rel);
    const st = lstatSync(abs);
    const owner = `${st.uid === 0 ? 'root' : (users.get(st.uid) ?? st.uid)}:${st.gid === 0 ? 'root' : (groups.get(st.gid) ?? st.gid)}`;
    const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
    if (st.isSymbolicLink()) {
      out.set(rel, { type: 'link', mode, owner, content: readlinkSync(abs) });
    } else if (st.isDirectory()) {
      out.set(rel, { type: 'dir', mode, owner });
      for (const name of readdirSync(abs).sort()) walk(rel === '' ? name : `${rel}/${name}`);
    } else {
      const content = createHash('sha256').update(readFileSync(abs)).digest('hex');
      out.set(rel, { type: 'file', mode, owner, content, mtimeMs: st.mtimeMs });
    }
  };
  walk('');
  out.delete('');
  return out;
}

/** Paths whose entries differ between two listings (added, removed or changed). */
export function differences(a: Map<string, Entry>, b: Map<string, Entry>): string[] {
  const paths = new Set([...a.keys(), ...b.keys()]);
  return [...paths].filter((p) => JSON.stringify(a.get(p)) !== JSON.stringify(b.get(p))).sort();
}
