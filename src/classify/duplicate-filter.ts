// Same-device duplicate window (reference §6.6 `framing.dedupeWindowMs`, §8 item 26 "same QR
// scanned twice"): a scanner held over a code re-reads it every few hundred ms; the till wants one
// scan. Content is remembered only as an HMAC-SHA-256 under a key drawn per filter and never
// exported, so the filter holds no scan text and its hashes cannot be matched against a list of
// known tokens outside this process (DESIGN §2: no customer data kept at the till).
//
// The window slides: a code that keeps being re-read stays suppressed until it has been away for
// `windowMs`. Entries older than the window are dropped on every call, so memory stays bounded by
// what was scanned within one window.

import { createHmac, randomBytes } from 'node:crypto';

export interface DuplicateFilterOptions {
  windowMs: number;
  /** Clock in ms; tests pass a manual one. */
  now?: () => number;
}

export interface DuplicateFilter {
  /** Records the scan and answers whether the same device saw the same content within the window. */
  isDuplicate(deviceId: string, text: string): boolean;
  /** Number of remembered (device, content) pairs; for health and tests. */
  size(): number;
  clear(): void;
}

export function createDuplicateFilter(options: DuplicateFilterOptions): DuplicateFilter {
  const windowMs = Number.isFinite(options.windowMs) && options.windowMs > 0 ? options.windowMs : 0;
  const now = options.now ?? Date.now;
  const key = randomBytes(32);
  /** deviceId → content digest → last seen (ms). */
  const seen = new Map<string, Map<string, number>>();

  function prune(at: number): void {
    for (const [device, digests] of seen) {
      for (const [digest, last] of digests) if (at - last >= windowMs) digests.delete(digest);
      if (digests.size === 0) seen.delete(device);
    }
  }

  return {
    isDuplicate(deviceId, text) {
      if (windowMs === 0) return false;
      const at = now();
      prune(at);
      const digest = createHmac('sha256', key).update(String(text), 'utf8').digest('base64');
      let digests = seen.get(deviceId);
      if (digests === undefined) {
        digests = new Map();
        seen.set(deviceId, digests);
      }
      const duplicate = digests.has(digest);
      digests.set(digest, at);
      return duplicate;
    },
    size() {
      let total = 0;
      for (const digests of seen.values()) total += digests.size;
      return total;
    },
    clear() {
      seen.clear();
    },
  };
}
