// A scanned http(s) URL in the one form loyalty patterns and GS1 Digital Link see
// (docs/scanners-and-readers.md §8 item 26): surrounding whitespace trimmed, scheme and host lower
// case (WHATWG URL parsing, IDN to punycode, default port dropped, trailing dot of the host
// dropped), path and query percent-decoded, fragment dropped (it never reaches a server, so it can
// carry no identity).

import type { ClassifyWarning } from './warnings.ts';

export interface ScannedUrl {
  scheme: 'http' | 'https';
  host: string;
  /** Percent-decoded path, starting with `/`. */
  path: string;
  /** Percent-decoded query without `?`, empty when none. */
  query: string;
  /** Raw (still encoded) path segments and query pairs, for parsers that must split first. */
  rawPath: string;
  rawQuery: string;
  /** `scheme://host[:port]/path[?query]`, decoded: what loyalty regexes are matched against. */
  normalised: string;
  warnings: ClassifyWarning[];
}

const URL_START = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/** Percent-decode; undefined when the encoding is broken (e.g. `%E0%A4%A`). */
export function percentDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** Parses `text` as an http(s) URL; undefined for anything else. Never throws. */
export function readScannedUrl(text: string): ScannedUrl | undefined {
  // Every scan is asked this, twice (loyalty, GS1 Digital Link): most are no URL at all.
  if (!text.includes('://')) return undefined;
  const trimmed = text.trim();
  if (!URL_START.test(trimmed)) return undefined;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return undefined;
  }
  const scheme = url.protocol === 'https:' ? 'https' : url.protocol === 'http:' ? 'http' : undefined;
  if (scheme === undefined || url.hostname === '') return undefined;
  const warnings: ClassifyWarning[] = [];
  const decode = (raw: string): string => {
    const decoded = percentDecode(raw);
    if (decoded === undefined) {
      if (!warnings.includes('percent_decoding_invalid')) warnings.push('percent_decoding_invalid');
      return raw;
    }
    return decoded;
  };
  const host = url.hostname.replace(/\.$/, '');
  const rawQuery = url.search.replace(/^\?/, '');
  const path = decode(url.pathname);
  const query = decode(rawQuery);
  const port = url.port === '' ? '' : `:${url.port}`;
  const normalised = `${scheme}://${host}${port}${path}${query === '' ? '' : `?${query}`}`;
  return { scheme, host, path, query, rawPath: url.pathname, rawQuery, normalised, warnings };
}

/** Host allow-list check: exact host names, or `*.example.com` for any subdomain of it. */
export function hostAllowed(host: string, allowed: readonly string[]): boolean {
  const h = host.toLowerCase();
  return allowed.some((entry) => (entry.startsWith('*.') ? h.endsWith(entry.slice(1)) : h === entry));
}
