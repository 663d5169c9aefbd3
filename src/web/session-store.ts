// Where @fastify/session keeps sessions: in memory (a box has one or two technicians, and a login
// after a power cut is no hardship), bounded, and swept of expired sessions so a box that runs
// for a year does not grow. It outlives one gateway object, so applying settings (an in-process
// restart) keeps the technician logged in.
type Callback<T = void> = (err?: Error | null, value?: T) => void;

interface StoredSession {
  cookie?: { expires?: string | Date | null };
}

export interface SessionStore {
  set(id: string, session: StoredSession, cb: Callback): void;
  get(id: string, cb: Callback<StoredSession>): void;
  destroy(id: string, cb: Callback): void;
  size(): number;
  /** Ends every session (a new technician password). */
  clear(): void;
}

export function createSessionStore(maxSessions = 50, now = Date.now): SessionStore {
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
      // The oldest go first when someone opens sessions in a loop.
      while (map.size > maxSessions) map.delete(map.keys().next().value as string);
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
    clear: () => map.clear(),
  };
}
