// Applies the compiled loyalty patterns to a scan (semantics in loyalty-patterns.ts).

import type { CompiledLoyaltyPattern, LoyaltyKind } from './loyalty-patterns.ts';
import { hostAllowed, readScannedUrl } from './scanned-url.ts';
import type { ClassifyWarning } from './warnings.ts';

export interface LoyaltyMatch {
  /** Name of the pattern that matched. */
  pattern: string;
  token: string;
  kind: LoyaltyKind;
}

export interface LoyaltyOutcome {
  match?: LoyaltyMatch;
  /** `foreign_host`, `percent_decoding_invalid`. */
  warnings: ClassifyWarning[];
}

function tokenOf(pattern: CompiledLoyaltyPattern, subject: string): string | undefined {
  const token = pattern.regex.exec(subject)?.groups?.token;
  return token === undefined || token === '' ? undefined : token;
}

/** First `qr`/`card` pattern matching the scanned content. Never throws. */
export function matchLoyalty(content: string, patterns: readonly CompiledLoyaltyPattern[]): LoyaltyOutcome {
  const trimmed = content.trim();
  const url = readScannedUrl(trimmed);
  const warnings = new Set<ClassifyWarning>(url?.warnings ?? []);
  for (const pattern of patterns) {
    if (pattern.kind === 'uid') continue;
    if (pattern.hosts === undefined) {
      const token = tokenOf(pattern, trimmed);
      if (token !== undefined)
        return { match: { pattern: pattern.name, token, kind: pattern.kind }, warnings: [...warnings] };
      continue;
    }
    if (url === undefined) continue;
    const token = tokenOf(pattern, url.normalised);
    if (token === undefined) continue;
    if (!hostAllowed(url.host, pattern.hosts)) {
      warnings.add('foreign_host');
      continue;
    }
    return { match: { pattern: pattern.name, token, kind: pattern.kind }, warnings: [...warnings] };
  }
  return { warnings: [...warnings] };
}

/** First `uid` pattern matching a canonical UID (uid.ts). */
export function matchUidLoyalty(
  canonical: string,
  patterns: readonly CompiledLoyaltyPattern[],
): LoyaltyMatch | undefined {
  for (const pattern of patterns) {
    if (pattern.kind !== 'uid') continue;
    const token = tokenOf(pattern, canonical);
    if (token !== undefined) return { pattern: pattern.name, token, kind: 'uid' };
  }
  return undefined;
}
