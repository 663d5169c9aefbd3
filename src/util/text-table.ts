// Columns for the command line's human output (`devices`, `outbox dead`): padded to the widest
// cell, two spaces apart, as `ps` or `systemctl list-units` print; scripts use `--json` instead.
export function textTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return `${[line(head), ...rows.map(line)].join('\n')}\n`;
}
