// GS1 Digital Link URLs (docs/scanners-and-readers.md §7.2, source S80; GS1 Digital Link standard
// 1.2 §4): `https://any.host/optional/prefix/01/09506000134352/10/ABC123?17=251231`. The path holds
// a primary key AI and its qualifiers as `/AI/value` pairs after any prefix; the query may add data
// attributes keyed by numeric AIs (other query keys are ignored). Any host: Digital Link is
// resolver-independent. A GTIN-8/12/13 is padded to 14 digits, as the standard asks resolvers to.

import { gs1CheckDigitValid } from './check-digits.ts';
import type { Gs1Result } from './gs1.ts';
import { aiSpec, DIGITAL_LINK_PRIMARY_KEYS } from './gs1-ais.ts';
import { percentDecode, type ScannedUrl } from './scanned-url.ts';
import type { ClassifyWarning } from './warnings.ts';

const DIGITS = /^[0-9]+$/;

function fieldProblem(ai: string, value: string): 'invalid' | 'check_digit' | undefined {
  const spec = aiSpec(ai);
  if (spec === undefined || value.length === 0 || /[\x00-\x1f\x7f]/.test(value)) return 'invalid';
  if (spec.fixed !== undefined ? value.length !== spec.fixed : value.length > (spec.max ?? 0))
    return 'invalid';
  if (spec.numeric && !DIGITS.test(value)) return 'invalid';
  if (spec.checkDigit === true && !gs1CheckDigitValid(value)) return 'check_digit';
  return undefined;
}

function padGtin(ai: string, value: string): string {
  return ai === '01' && DIGITS.test(value) && [8, 12, 13].includes(value.length)
    ? value.padStart(14, '0')
    : value;
}

/**
 * Reads a GS1 Digital Link; undefined when the URL is not a well-formed one (an ordinary URL whose
 * path happens to contain `/00/` stays an ordinary URL). Never throws.
 */
export function parseGs1DigitalLink(url: ScannedUrl): Extract<Gs1Result, { ok: true }> | undefined {
  const segments = url.rawPath.split('/').filter((s) => s !== '');
  const start = segments.findIndex((s, i) => DIGITAL_LINK_PRIMARY_KEYS.has(s) && i + 1 < segments.length);
  if (start < 0 || (segments.length - start) % 2 !== 0) return undefined;
  const pairs: Array<[string, string]> = [];
  for (let i = start; i < segments.length; i += 2) {
    const value = percentDecode(segments[i + 1]!);
    if (value === undefined) return undefined;
    pairs.push([segments[i]!, value]);
  }
  for (const param of url.rawQuery.split('&')) {
    const eq = param.indexOf('=');
    const key = eq < 0 ? param : param.slice(0, eq);
    if (!DIGITS.test(key) || aiSpec(key) === undefined) continue;
    const value = percentDecode(param.slice(eq + 1).replace(/\+/g, ' '));
    if (value === undefined) return undefined;
    pairs.push([key, value]);
  }
  const ais: Record<string, string> = {};
  const warnings = new Set<ClassifyWarning>();
  for (const [ai, raw] of pairs) {
    const value = padGtin(ai, raw);
    const problem = fieldProblem(ai, value);
    if (problem === 'invalid' || ais[ai] !== undefined) return undefined;
    if (problem === 'check_digit') warnings.add('gs1_check_digit_invalid');
    ais[ai] = value;
  }
  return { ok: true, ais, warnings: [...warnings] };
}
