// AIM symbology identifier at the start of a scan: `]` + code character + modifier, e.g. `]E0`,
// `]Q1`, `]d2` (reference §0 rule 7, §7.2). Scanners set to transmit it put it before the data.

const aimPrefix = /^\][A-Za-z][0-9A-Za-z]/;

/** Length of a leading AIM identifier in `text` (0 or 3). */
export function aimPrefixLength(text: string): number {
  return aimPrefix.test(text) ? 3 : 0;
}
