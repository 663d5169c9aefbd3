// Same-device duplicate window (reference §6.6 `framing.dedupeWindowMs`, §8 item 26 "same QR
// scanned twice"): a scanner held over a code re-reads it every few hundred ms; the till wants one
// scan. Content is remembered only as an HMAC-SHA-256 under a key drawn per filter and never
// exported, so the filter holds no scan text and its hashes cannot be matched against a list of
// known tokens outside this process (DESIGN §2: no customer data kept at the till).
//
// The window slides: a code that keeps being re-read stays suppressed until it has been away for
// `windowMs`. One map in last-seen order (an entry is moved to the end when seen again), so expired
// entries are all at its front: each call drops those and stops at the first fresh one — O(expired),
// not O(remembered), which matters once a busy till has thousands of scans inside one window.

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
  /** `deviceId NUL digest` → last seen (ms), oldest first. */
  const seen = new Map<string, number>();

  function prune(at: number): void {
    for (const [entry, last] of seen) {
      if (at - last < windowMs) return;
      seen.delete(entry);
    }
  }

  return {
    isDuplicate(deviceId, text) {
      if (windowMs === 0) return false;
      const at = now();
      prune(at);
      const digest = createHmac('sha256', key).update(String(text), 'utf8').digest('base64');
      const entry = `${deviceId}\u0000${digest}`;
      const last = seen.get(entry);
      seen.delete(entry); // re-inserted at the end: the map stays in last-seen order
      seen.set(entry, at);
      // Compared, not just found: after the clock stepped back, an expired entry may sit behind a
      // fresh one for a while.
      return last !== undefined && at - last < windowMs;
    },
    size: () => seen.size,
    clear() {
      seen.clear();
    },
  };
}
