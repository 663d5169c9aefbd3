// GS1 element strings (docs/scanners-and-readers.md §7.2; GS1 General Specifications §7.8): `01
// 09506000134352 10 ABC123 <GS> 17 251231`. FNC1 in first position is not transmitted (it shows in
// the AIM); later FNC1s arrive as GS 0x1D, in GS1 QR also as `%`. The human-readable form
// `(01)…(10)…` (typed by hand or by test tools) is accepted too.
//
// Keyboard wedges lose GS (docs/scanners-and-readers.md §1.7), so a variable-length AI then
// swallows what follows: `0109506000134352` `10ABC12317251231` reads batch `ABC12317251231`. We
// never split such a value by guessing, but flag `gs1_separator_missing` when the string holds no
// separator at all and either (a) a variable-length value is longer than its AI allows, or (b) the
// value that runs to the end of the data ends with something that parses on its own as GS1 starting
// with a predefined-length AI whose content checks out (a valid YYMMDD date for 11–17, a valid
// check digit for 00/01/02, digits for the rest), e.g. `…17251231`. A genuine serial number ending
// in such a tail would be flagged too; the warning says "look", not "wrong".

import { gs1CheckDigitValid } from './check-digits.ts';
import { type AiSpec, aiAt, aiSpec } from './gs1-ais.ts';
import type { ClassifyWarning } from './warnings.ts';

export type Gs1Failure = 'empty' | 'unknown_ai' | 'truncated' | 'invalid_value' | 'duplicate_ai';

export type Gs1Result =
  | { ok: true; ais: Record<string, string>; warnings: ClassifyWarning[] }
  | { ok: false; reason: Gs1Failure };

export interface Gs1ParseOptions {
  /** Characters that stand for FNC1 between fields; default GS (0x1D). */
  separators?: readonly string[];
}

const GS = '\x1d';
const CONTROL = /[\x00-\x1f\x7f]/;
const DIGITS = /^[0-9]+$/;

function validDate(value: string): boolean {
  const month = Number(value.slice(2, 4));
  const day = Number(value.slice(4, 6));
  return month >= 1 && month <= 12 && day >= 0 && day <= 31;
}

/** Value checks that make a parse fail (wrong character class) or warn (check digit). */
function valueProblem(spec: AiSpec, value: string): 'invalid' | 'check_digit' | undefined {
  if (value.length === 0 || CONTROL.test(value)) return 'invalid';
  if (spec.numeric && !DIGITS.test(value)) return 'invalid';
  if (spec.date === true && !validDate(value)) return 'invalid';
  if (spec.checkDigit === true && !gs1CheckDigitValid(value)) return 'check_digit';
  return undefined;
}

/** Does `tail` parse on its own as GS1, starting with a predefined-length AI whose value checks out? */
function looksLikeGluedAis(tail: string): boolean {
  const first = aiAt(tail, 0);
  if (first === undefined || !first.spec.predefined) return false;
  const result = parseElementString(tail, [], false);
  return result.ok && result.warnings.length === 0;
}

function gluedTail(value: string): boolean {
  for (let k = 1; k < value.length - 2; k++) {
    if (looksLikeGluedAis(value.slice(k))) return true;
  }
  return false;
}

function parseElementString(input: string, separators: readonly string[], detectGlue = true): Gs1Result {
  const isSeparator = (c: string | undefined) => c !== undefined && separators.includes(c);
  let pos = 0;
  // Some scanners do send FNC1-in-first-position as a leading GS.
  while (isSeparator(input[pos])) pos++;
  if (pos >= input.length) return { ok: false, reason: 'empty' };
  const noSeparators = !separators.some((sep) => input.slice(pos).includes(sep));
  const ais: Record<string, string> = {};
  const warnings = new Set<ClassifyWarning>();

  while (pos < input.length) {
    const found = aiAt(input, pos);
    if (found === undefined) return { ok: false, reason: 'unknown_ai' };
    const { ai, spec } = found;
    pos += ai.length;
    let value: string;
    if (spec.fixed !== undefined) {
      value = input.slice(pos, pos + spec.fixed);
      if (value.length < spec.fixed) return { ok: false, reason: 'truncated' };
      pos += spec.fixed;
      if (isSeparator(input[pos])) pos++;
    } else {
      let end = pos;
      while (end < input.length && !isSeparator(input[end])) end++;
      value = input.slice(pos, end);
      if (noSeparators && end === input.length) {
        if (value.length > (spec.max ?? 0) || (detectGlue && gluedTail(value))) {
          warnings.add('gs1_separator_missing');
        }
      } else if (value.length > (spec.max ?? 0)) {
        return { ok: false, reason: 'invalid_value' };
      }
      pos = end + 1;
    }
    const problem = valueProblem(spec, value);
    if (problem === 'invalid') return { ok: false, reason: 'invalid_value' };
    if (problem === 'check_digit') warnings.add('gs1_check_digit_invalid');
    if (ais[ai] !== undefined && ais[ai] !== value) return { ok: false, reason: 'duplicate_ai' };
    ais[ai] = value;
  }
  return { ok: true, ais, warnings: [...warnings] };
}

const BRACKETED = /^(?:\(([0-9]{2,4})\)([^()]+))+$/;
const BRACKET_FIELD = /\(([0-9]{2,4})\)([^()]+)/g;

function parseBracketed(input: string): Gs1Result {
  const ais: Record<string, string> = {};
  const warnings = new Set<ClassifyWarning>();
  for (const [, ai, value] of input.matchAll(BRACKET_FIELD)) {
    const spec = aiSpec(ai!);
    if (spec === undefined) return { ok: false, reason: 'unknown_ai' };
    const tooLong = spec.fixed !== undefined ? value!.length !== spec.fixed : value!.length > (spec.max ?? 0);
    const problem = valueProblem(spec, value!);
    if (tooLong || problem === 'invalid') return { ok: false, reason: 'invalid_value' };
    if (problem === 'check_digit') warnings.add('gs1_check_digit_invalid');
    if (ais[ai!] !== undefined) return { ok: false, reason: 'duplicate_ai' };
    ais[ai!] = value!;
  }
  return { ok: true, ais, warnings: [...warnings] };
}

/**
 * Parses a GS1 element string (AIM prefix already removed) into its AIs. Values are kept as
 * transmitted. Never throws.
 */
export function parseGs1(input: string, options: Gs1ParseOptions = {}): Gs1Result {
  if (typeof input !== 'string' || input.length === 0) return { ok: false, reason: 'empty' };
  if (BRACKETED.test(input)) return parseBracketed(input);
  return parseElementString(input, options.separators ?? [GS]);
}
