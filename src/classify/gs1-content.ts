// When is a scan GS1, and which reading applies (docs/scanners-and-readers.md §7.2, §8 item 29)?
//   - An http(s) URL: GS1 Digital Link (any AIM).
//   - A GS1 AIM (`]C1`, `]d2`, `]Q3`, `]Q4`, `]e0`…): element string, GS separators, and `%` too
//     for GS1 QR. A failure here is reported (`gs1_invalid`): the scanner said GS1.
//   - No AIM at all (keyboard wedge, scanner without AIM prefix): element string when the content
//     holds a GS, is in bracketed form `(01)…`, or starts with a well-formed key (`01`/`02` +
//     GTIN-14 or `00` + SSCC with a valid check digit). A failure is not reported: it just was not GS1.
// Other AIMs (plain Code 128, DataMatrix, QR) are not GS1 by definition (no FNC1 in first position).

import { allowsPercentSeparator, isGs1Aim } from './aim.ts';
import { gs1CheckDigitValid } from './check-digits.ts';
import { parseGs1 } from './gs1.ts';
import { parseGs1DigitalLink } from './gs1-digital-link.ts';
import { readScannedUrl } from './scanned-url.ts';
import type { ClassifyWarning } from './warnings.ts';

export type Gs1Reading =
  | { kind: 'gs1'; ais: Record<string, string>; warnings: ClassifyWarning[] }
  | { kind: 'invalid' }
  | { kind: 'none' };

const GS = '\x1d';
const KEY_START = /^(?:0[12][0-9]{14}|00[0-9]{18})/;

function startsWithValidKey(content: string): boolean {
  if (content.charCodeAt(0) !== 0x30) return false; // both keys start with 0: no regex for the rest
  const key = KEY_START.exec(content)?.[0];
  return key !== undefined && gs1CheckDigitValid(key.slice(2));
}

export function readGs1Content(content: string, aim: string | undefined): Gs1Reading {
  const url = readScannedUrl(content);
  if (url !== undefined) {
    const link = parseGs1DigitalLink(url);
    return link === undefined ? { kind: 'none' } : { kind: 'gs1', ais: link.ais, warnings: link.warnings };
  }
  if (isGs1Aim(aim)) {
    const separators = allowsPercentSeparator(aim) ? [GS, '%'] : [GS];
    const result = parseGs1(content, { separators });
    return result.ok ? { kind: 'gs1', ais: result.ais, warnings: result.warnings } : { kind: 'invalid' };
  }
  if (aim !== undefined) return { kind: 'none' };
  if (!content.includes(GS) && !content.startsWith('(') && !startsWithValidKey(content))
    return { kind: 'none' };
  const result = parseGs1(content);
  return result.ok ? { kind: 'gs1', ais: result.ais, warnings: result.warnings } : { kind: 'none' };
}
