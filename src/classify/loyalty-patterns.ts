// Loyalty token patterns (DESIGN §2 flow 1, docs/scanners-and-readers.md §7.1). The hello again QR
// payload is not published (docs/scanners-and-readers.md §7.1 and §9: "[?] must be obtained from
// the vendor"), so recognition is data: a list of regexes with a named group `token`, tried in
// order, first match wins.
//
// Semantics a config author can rely on:
// - A regex must match the whole content: it is compiled as `^(?:regex)$`, no flags.
// - A pattern with `hosts` is a URL pattern: it only sees http(s) URLs, in their normalised form
//   (scanned-url.ts: lower-case scheme/host, percent-decoded path and query, no fragment), and the
//   URL's host must be on the list (`app.example.com` exact, `*.example.com` any subdomain).
//   A URL that matches the regex on another host is not loyalty and gets `foreign_host`.
// - A pattern without `hosts` sees the trimmed content as scanned.
// - `kind: 'uid'` patterns only see the canonical UID of a UID reader (uid.ts), never scan text.
// - The payment guard runs before any pattern: a card number in a payment range never reaches here.

import { z } from 'zod';
import { deepFreeze } from '../util/deep-freeze.ts';

export type LoyaltyKind = 'qr' | 'card' | 'uid';

const HOST = /^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

const hostSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(HOST, 'a host name such as app.example.com, or *.example.com for its subdomains');

/** Why `regex` is unusable as a loyalty pattern, or undefined when it is fine. */
export function loyaltyRegexProblem(regex: string): string | undefined {
  try {
    new RegExp(regex);
  } catch (err) {
    return `regex does not compile: ${(err as Error).message}`;
  }
  // An empty alternative matches '', and `groups` then lists every named group of the regex.
  const groups = new RegExp(`(?:${regex})|`).exec('')?.groups;
  return groups !== undefined && 'token' in groups ? undefined : 'regex has no named group (?<token>…)';
}

export const loyaltyPatternSchema = z
  .strictObject({
    name: z.string().min(1).max(64).describe('Names the pattern in scan events and errors.'),
    regex: z
      .string()
      .min(1)
      .max(2000)
      .describe('Matches the whole content (no anchors needed); must contain a named group (?<token>…).'),
    hosts: z
      .array(hostSchema)
      .min(1)
      .optional()
      .describe('Allowed URL hosts; present = a URL pattern matched against the normalised URL.'),
    kind: z
      .enum(['qr', 'card', 'uid'])
      .describe('What carries the token: app QR, loyalty card, or RFID/NFC UID.'),
  })
  .superRefine((pattern, ctx) => {
    const problem = loyaltyRegexProblem(pattern.regex);
    if (problem !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['regex'],
        input: pattern.regex,
        message: `loyalty pattern "${pattern.name}": ${problem}`,
      });
    }
    if (pattern.kind === 'uid' && pattern.hosts !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['hosts'],
        input: pattern.hosts,
        message: `loyalty pattern "${pattern.name}": a uid pattern matches the canonical UID, not a URL; remove hosts`,
      });
    }
  });

export type LoyaltyPattern = z.output<typeof loyaltyPatternSchema>;

export const loyaltyPatternsSchema = z.array(loyaltyPatternSchema).superRefine((patterns, ctx) => {
  const seen = new Set<string>();
  patterns.forEach((p, i) => {
    if (seen.has(p.name)) {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'name'],
        input: p.name,
        message: `loyalty pattern name "${p.name}" is used twice`,
      });
    }
    seen.add(p.name);
  });
});

/**
 * Plausible defaults until the vendor format is known (docs/scanners-and-readers.md §7.1 [?]);
 * replace them in the config once it is.
 * - `hello-again-app-url`: an app QR that opens the member page, `https://app.helloagain.<tld>/c/<token>`,
 *   token base64url 6–128 characters, query tolerated.
 * - `hello-again-token`: a bare token `HA-` + 8–32 base32 characters (the token keeps its prefix: the
 *   provider looks it up as printed).
 * - `loyalty-card-track`: a magstripe loyalty card: Track 2 sentinels without the `=` of a bank card
 *   (docs/scanners-and-readers.md §4.2 "Loyalty magstripe cards"), 8–19 digits; a `%E?` / `+E?`
 *   empty-track error around it is tolerated.
 * - `loyalty-card-number`: printed/barcode card numbers of ISO/IEC 7812 MII 9 ("national
 *   assignment", typical for loyalty cards, docs/scanners-and-readers.md §4.2), 16–19 digits:
 *   outside every payment range the guard refuses and longer than any GTIN, so neither a bank card
 *   nor a product can match it. A merchant whose cards start elsewhere sets its own prefix here;
 *   inside the Maestro catch-all (50, 56–69) it must also list the prefix in `loyaltyIinPrefixes`.
 */
export const defaultLoyaltyPatterns: readonly LoyaltyPattern[] = deepFreeze<LoyaltyPattern[]>([
  {
    name: 'hello-again-app-url',
    kind: 'qr',
    hosts: ['app.helloagain.com', 'app.helloagain.at', 'app.helloagain.de'],
    regex: 'https?://[^/]+/c/(?<token>[A-Za-z0-9_-]{6,128})/?(?:\\?.*)?',
  },
  { name: 'hello-again-token', kind: 'qr', regex: '(?<token>HA-[A-Z2-7]{8,32})' },
  { name: 'loyalty-card-track', kind: 'card', regex: '(?:%E\\?)?;(?<token>[0-9]{8,19})\\?(?:\\+E\\?)?' },
  { name: 'loyalty-card-number', kind: 'card', regex: '(?<token>9[0-9]{15,18})' },
]);

export interface CompiledLoyaltyPattern {
  readonly name: string;
  readonly kind: LoyaltyKind;
  readonly hosts?: readonly string[];
  readonly regex: RegExp;
}

/** Compiles validated patterns once (validate with `loyaltyPatternsSchema` first). */
export function compileLoyaltyPatterns(
  patterns: readonly LoyaltyPattern[],
): readonly CompiledLoyaltyPattern[] {
  return deepFreeze(
    patterns.map((p): CompiledLoyaltyPattern => {
      const problem = loyaltyRegexProblem(p.regex);
      if (problem !== undefined) throw new Error(`loyalty pattern "${p.name}": ${problem}`);
      const regex = new RegExp(`^(?:${p.regex})$`);
      return p.hosts === undefined
        ? { name: p.name, kind: p.kind, regex }
        : { name: p.name, kind: p.kind, regex, hosts: [...p.hosts] };
    }),
  );
}
