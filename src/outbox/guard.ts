// Nothing the store or a caller's callback throws may stop the dispatcher: it logs and goes on, and
// the job stays in the store to be looked at again (DESIGN §5: nothing is dropped).
import type { Logger } from '../log.ts';

export interface Guards {
  /** `fn()`, or undefined (logged as `outbox <what> failed`) when it throws. */
  guard<T>(what: string, fn: () => T): T | undefined;
  /** Calls a caller's callback; one that throws is logged, never passed on. */
  callback(name: string, fn: () => void): void;
}

export function guards(log: Logger): Guards {
  return {
    guard<T>(what: string, fn: () => T): T | undefined {
      try {
        return fn();
      } catch (err) {
        log.error(`outbox ${what} failed`, { err });
        return undefined;
      }
    },
    callback(name, fn) {
      try {
        fn();
      } catch (err) {
        log.error(`outbox ${name} callback threw`, { err });
      }
    },
  };
}
