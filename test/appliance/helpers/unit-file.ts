// Reads a systemd unit file the way systemd.syntax(7) describes it: sections, `Key=value` lines,
// repeated keys accumulate, an empty assignment resets the list, backslash continues a line.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const UNIT_PATH = fileURLToPath(new URL('../../../systemd/edge-gateway.service', import.meta.url));

export type UnitFile = Map<string, Map<string, string[]>>;

export function parseUnit(text: string): UnitFile {
  const unit: UnitFile = new Map();
  let section: Map<string, string[]> | undefined;
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = unit.get(header[1]!) ?? new Map();
      unit.set(header[1]!, section);
      continue;
    }
    const eq = line.indexOf('=');
    if (!section || eq < 0) throw new Error(`not a unit file line: ${raw}`);
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    section.set(key, value === '' ? [''] : [...(section.get(key) ?? []).filter((v) => v !== ''), value]);
  }
  return unit;
}

export function readUnit(path = UNIT_PATH): UnitFile {
  return parseUnit(readFileSync(path, 'utf8'));
}

/** All values of `key` in `section` (an empty assignment is ['']). */
export function values(unit: UnitFile, section: string, key: string): string[] {
  return unit.get(section)?.get(key) ?? [];
}

/** The one value of `key`; throws when it is missing or set more than once. */
export function value(unit: UnitFile, section: string, key: string): string {
  const v = values(unit, section, key);
  if (v.length !== 1) throw new Error(`[${section}] ${key} is set ${v.length} times`);
  return v[0]!;
}
