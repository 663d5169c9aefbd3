// Where @fastify/session keeps sessions: in memory (a box has one or two technicians, and a login
// after a power cut is no hardship), bounded, and swept of expired sessions so a box that runs
// for a year does not grow. It outlives one gateway object, so applying settings (an in-process
// restart) keeps the technician logged in.
type Callback<T = void> = (err?: Error | null, value?: T) => void;

interface StoredSession {
  cookie?: { expires?: string | Date | null };
  technician?: boolean;
}

export interface SessionStore {
  set(id: string, session: StoredSession, cb: Callback): void;
  get(id: string, cb: Callback<StoredSession>): void;
  destroy(id: string, cb: Callback): void;
  size(): number;
  forEach(fn: (session: StoredSession) => void): void;
  /** Ends every session (a new technician password). */
  clear(): void;
}

export function createSessionStore(maxSessions = 200, now = Date.now): SessionStore {
  const map = new Map<string, StoredSession>();
  const expired = (s: StoredSession) => {
    const e = s.cookie?.expires;
    return e !== undefined && e !== null && new Date(e).getTime() <= now();
  };
  return {
    set(id, session, cb) {
      for (const [k, s] of map) if (expired(s)) map.delete(k);
      map.delete(id);
      map.set(id, session);
      // Someone opening anonymous sessions in a loop evicts the oldest anonymous ones, never a
      // technician who is logged in.
      while (map.size > maxSessions) {
        let victim: string | undefined;
        for (const [k, s] of map) {
          if (s.technician !== true) {
            victim = k;
            break;
          }
        }
        map.delete(victim ?? (map.keys().next().value as string));
      }
      cb();
    },
    get(id, cb) {
      cb(null, map.get(id));
    },
    destroy(id, cb) {
      map.delete(id);
      cb();
    },
    size: () => map.size,
    forEach: (fn) => {
      for (const s of map.values()) fn(s);
    },
    clear: () => map.clear(),
  };
}
