// System calls: those a unit's SystemCallFilter= lets through (expanded by systemd-analyze, which
// knows this architecture's groups), and those a process really made (from an strace log).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** systemd's syscall groups: `@name` → members (syscalls and nested `@groups`). */
async function groups(): Promise<Map<string, string[]>> {
  const { stdout } = await promisify(execFile)('systemd-analyze', ['syscall-filter', '--no-pager']);
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of stdout.split('\n')) {
    if (line.startsWith('@')) {
      current = [];
      out.set(line.trim(), current);
    } else if (/^\s+[@a-z_0-9-]+$/.test(line)) {
      current?.push(line.trim());
    } else if (line.trim() === '') {
      current = undefined;
    }
  }
  return out;
}

/**
 * systemd.exec(5): the first SystemCallFilter= without `~` is an allow list; each `~` line takes
 * its names away from it again.
 */
export async function allowedSyscalls(filterLines: readonly string[]): Promise<Set<string>> {
  const g = await groups();
  const expand = (name: string, seen = new Set<string>()): string[] => {
    if (!name.startsWith('@')) return [name];
    if (seen.has(name)) return [];
    seen.add(name);
    const members = g.get(name);
    if (!members) throw new Error(`systemd knows no syscall group ${name}`);
    return members.flatMap((m) => expand(m, seen));
  };
  const allowed = new Set<string>();
  for (const line of filterLines) {
    const deny = line.startsWith('~');
    for (const name of line.replace(/^~/, '').split(/\s+/).filter(Boolean)) {
      for (const call of expand(name)) {
        if (deny) allowed.delete(call);
        else allowed.add(call);
      }
    }
  }
  return allowed;
}

/** The names of the system calls in an `strace -f` log. */
export function syscallsIn(trace: string): Set<string> {
  const calls = new Set<string>();
  for (const line of trace.split('\n')) {
    const m = /^\d+\s+(?:<\.\.\. ([a-z_0-9]+) resumed>|([a-z_0-9]+)\()/.exec(line);
    const name = m?.[1] ?? m?.[2];
    if (name) calls.add(name);
  }
  return calls;
}
