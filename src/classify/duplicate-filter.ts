// Same-device duplicate window (docs/scanners-and-readers.md §6.6 `framing.dedupeWindowMs`,
// §8 item 26 "same QR scanned twice"): a scanner held over a code re-reads it every few hundred ms;
// the till wants one scan. Content is remembered only as a keyed SHA-256, SHA-256(key ‖ device ‖
// code), under a 256-bit key drawn per filter and never exported, so the filter holds no scan text
// and its hashes cannot be matched against a list of known tokens outside this process (DESIGN §2:
// no customer data kept at the till). Keyed SHA-256 rather than HMAC: the digests are only compared
// for equality, never sent as a MAC, so HMAC's length-extension guard buys nothing, and the
// one-shot `crypto.hash` costs one call into OpenSSL per scan instead of an HMAC object's four (on
// the box, the scan's latency path, measured in the gateway process: 15 us -> 6 us per scan).
//
// The window slides: a code that keeps being re-read stays suppressed until it has been away for
// `windowMs`. One table in last-seen order (an entry is moved to the end when seen again), so expired
// entries are all at its front: each call drops those and stops at the first fresh one — O(expired),
// not O(remembered), which matters once a busy till has thousands of scans inside one window. The
// table is a queue beside a Map, not a Map kept in order (classify/last-seen.ts says why).
//
// The digest stays off the scan's latency path (DESIGN §10; 7–9 µs of a ~40 µs budget in the
// gateway process): a 32-bit seeded FNV-1a of (device, code) tells, in well under a microsecond,
// when no code of that device could have been seen within the window — the case of almost every
// scan — and then the scan is new and goes out at once. Its SHA-256 entry is added by `settle()`,
// which the scan pipeline calls once the till's copy has gone out, or at the latest by the next
// `isDuplicate` (so the map is always what it would have been: the verdicts are exactly those of
// the digest alone). Only when the 32-bit value was seen in the window is the digest computed on
// the spot and compared. The 32-bit values are a lossy prefilter (no text can be read back from
// one); until `settle()` the code is held as the scan event holds it, for that one scan.

import * as crypto from 'node:crypto';
import { sha256 } from '../util/sha256.ts';
import { LastSeen } from './last-seen.ts';

export interface DuplicateFilterOptions {
  windowMs: number;
  /** Clock in ms; tests pass a manual one. */
  now?: () => number;
  /** The 32-bit prefilter; tests pass one that collides, to prove collisions change no verdict. */
  quick?: (deviceId: string, text: string) => number;
}

export interface DuplicateFilter {
  /** Records the scan and answers whether the same device saw the same content within the window. */
  isDuplicate(deviceId: string, text: string): boolean;
  /** Adds the digests of the scans just let through (call once the scan is out; never required). */
  settle(): void;
  /** Number of remembered (device, content) pairs; for health and tests. */
  size(): number;
  clear(): void;
}

export function createDuplicateFilter(options: DuplicateFilterOptions): DuplicateFilter {
  const windowMs = Number.isFinite(options.windowMs) && options.windowMs > 0 ? options.windowMs : 0;
  const now = options.now ?? Date.now;
  const key = crypto.randomBytes(32).toString('base64');
  const seed = crypto.randomBytes(4).readUInt32LE(0);
  const quickOf = options.quick ?? ((deviceId: string, text: string) => fnv1a(seed, deviceId, text));
  /** digest of (device, content) → last seen (ms), oldest first (classify/last-seen.ts). */
  const seen = new LastSeen<string>();
  /** FNV-1a of (device, content) → the latest time any pair with that value was seen, oldest
   * first, pruned by the same rule as `seen`: a value's time is never below its pairs', so while the
   * clock does not step back, a value that is absent or expired has no pair within the window. */
  const recent = new LastSeen<number>();
  /** Pairs let through whose digests `settle` still has to add: device, content, time. */
  let pending: Array<[string, string, number]> = [];
  /** The latest clock reading so far. Below it (the clock stepped back) every verdict takes the
   * digest: a value pruned at that later time may belong to a pair that is fresh again now. */
  let latestAt = Number.NEGATIVE_INFINITY;

  function record(deviceId: string, text: string, at: number): number | undefined {
    const entry = sha256(`${key}\u0000${deviceId}\u0000${String(text)}`);
    const last = seen.get(entry);
    seen.set(entry, at); // moved to the end: the table stays in last-seen order
    return last;
  }

  function settle(): void {
    if (pending.length === 0) return;
    const done = pending;
    pending = [];
    for (const [deviceId, text, at] of done) record(deviceId, text, at);
  }

  return {
    isDuplicate(deviceId, text) {
      if (windowMs === 0) return false;
      settle();
      const at = now();
      seen.prune(at, windowMs);
      recent.prune(at, windowMs);
      const quick = quickOf(deviceId, String(text));
      const latest = recent.get(quick);
      // The latest of every pair with this value: an upper bound for this pair's last sighting.
      recent.set(quick, latest === undefined ? at : Math.max(latest, at));
      const steppedBack = at < latestAt;
      latestAt = Math.max(latestAt, at);
      if (!steppedBack && (latest === undefined || at - latest >= windowMs)) {
        // No pair with this value within the window, so not this one either: its digest can wait.
        pending.push([deviceId, String(text), at]);
        return false;
      }
      const last = record(deviceId, text, at);
      // Compared, not just found: after the clock stepped back, an expired entry may sit behind a
      // fresh one for a while.
      return last !== undefined && at - last < windowMs;
    },
    settle,
    size: () => {
      settle();
      return seen.size;
    },
    clear() {
      pending = [];
      seen.clear();
      recent.clear();
      latestAt = Number.NEGATIVE_INFINITY;
    },
  };
}

/** 32-bit FNV-1a over the UTF-16 code units of `device NUL text`, from a per-filter seed. */
function fnv1a(seed: number, deviceId: string, text: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  const mix = (s: string) => {
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  };
  mix(deviceId);
  h = Math.imul(h, 0x01000193); // the NUL between the two
  mix(text);
  return h >>> 0;
}
