// The provider's idempotency rules (DESIGN §4): the same key with the same request replays the first
// answer; the same key with another request is refused; a key still being processed is "in progress".
// The fingerprint covers method, path and the exact body bytes, because that is what the outbox
// promises to resend (DESIGN §4 "byte for byte").

import { createHash } from 'node:crypto';

export interface StoredAnswer {
  status: number;
  body: string;
}

export type Admission =
  | { kind: 'new' }
  | { kind: 'replay'; answer: StoredAnswer }
  | { kind: 'in_progress' }
  | { kind: 'reused' };

type Entry = { fingerprint: string; answer?: StoredAnswer };

export interface IdempotencyStore {
  admit(key: string, fingerprint: string): Admission;
  /** Keeps the answer for replays. */
  complete(key: string, answer: StoredAnswer): void;
  /** Forgets a key whose request had no final answer (crash, injected fault), so a retry runs again. */
  abandon(key: string): void;
  /** Keys admitted and not yet answered. */
  running(): number;
  clear(): void;
}

export function fingerprintOf(method: string, target: string, body: string): string {
  return createHash('sha256').update(`${method} ${target}\n`).update(body).digest('hex');
}

export function createIdempotencyStore(): IdempotencyStore {
  let entries = new Map<string, Entry>();
  return {
    admit(key, fingerprint) {
      const e = entries.get(key);
      if (!e) {
        entries.set(key, { fingerprint });
        return { kind: 'new' };
      }
      if (e.fingerprint !== fingerprint) return { kind: 'reused' };
      return e.answer ? { kind: 'replay', answer: e.answer } : { kind: 'in_progress' };
    },
    complete(key, answer) {
      const e = entries.get(key);
      if (e && !e.answer) e.answer = answer;
    },
    abandon(key) {
      const e = entries.get(key);
      if (e && !e.answer) entries.delete(key);
    },
    running() {
      let n = 0;
      for (const e of entries.values()) if (!e.answer) n++;
      return n;
    },
    clear() {
      entries = new Map();
    },
  };
}
