// Guards the broker's password checks. Each CONNECT with a password runs scrypt (16 MiB, tens of
// milliseconds of a core on a Pi), so a flood of wrong passwords would be a CPU attack on the box
// and a password-guessing one on the tills' logins. Two limits, both from maintained libraries:
// - failed logins per remote address, an IPv6 one per its /64 (src/mqtt/address-key.ts), counted
//   by rate-limiter-flexible (the usual brute-force counter): after `maxFailures` within `windowS`
//   its logins are refused without any check for `blockS`;
// - password checks at once, box-wide (p-limit), with a bounded queue: beyond it a CONNECT is
//   refused at once instead of waiting, so many addresses together cannot pile up CPU work either.
// Not keyed by client id or username: the client picks its id, and a per-username block would let
// anyone lock a till out of its own broker.
import { createRequire } from 'node:module';
import pLimit from 'p-limit';
import type * as Flexible from 'rate-limiter-flexible';
import type { Logger } from '../log.ts';
import { loginKeyOf } from './address-key.ts';

// The package's index loads every store it has (Redis, Mongo, Postgres, etcd, …: 37 modules, 0.7 MB
// of heap for the life of the process, DESIGN §10's 80 MB bar); the box uses the in-memory one.
// The two classes come from their own files, which the index itself re-exports.
const require = createRequire(import.meta.url);
const RateLimiterMemory =
  require('rate-limiter-flexible/lib/RateLimiterMemory.js') as typeof Flexible.RateLimiterMemory;
const RateLimiterRes =
  require('rate-limiter-flexible/lib/RateLimiterRes.js') as typeof Flexible.RateLimiterRes;

export interface LoginGuardOptions {
  /** Failed logins from one address that block it. */
  maxFailures?: number;
  /** The window those failures are counted in. */
  windowS?: number;
  /** How long a blocked address is refused. */
  blockS?: number;
  /** Password checks running at once. */
  concurrency?: number;
  /** Password checks waiting for a slot; one more is refused as busy. */
  maxWaiting?: number;
  logger: Logger;
}

/** `ok`, or why a login is refused before its password is checked. */
export type Admission = 'ok' | 'blocked' | 'busy';

export interface LoginGuard {
  /**
   * Before a login is looked at: every attempt counts against its address at once (so attempts
   * sent in parallel cannot all slip in before the first failure is known); a good login clears it.
   */
  admit(remote: string | undefined): Promise<Admission>;
  /** Runs one password check in its turn. */
  check<T>(verify: () => Promise<T>): Promise<T>;
  succeeded(remote: string | undefined): void;
}

const BUSY_LOG_INTERVAL_MS = 10_000;

export function createLoginGuard(opts: LoginGuardOptions): LoginGuard {
  const maxFailures = opts.maxFailures ?? 5;
  const blockS = opts.blockS ?? 60;
  const maxWaiting = opts.maxWaiting ?? 16;
  // rate-limiter-flexible refuses, and starts the block, at the first consume beyond `points`.
  const attempts = new RateLimiterMemory({
    points: maxFailures,
    duration: opts.windowS ?? 60,
    blockDuration: blockS,
  });
  const limit = pLimit(opts.concurrency ?? 1);
  const log = opts.logger;
  let busySince = 0;
  let busyRefused = 0;

  return {
    async admit(remote) {
      const key = loginKeyOf(remote);
      try {
        await attempts.consume(key);
      } catch (res) {
        if (!(res instanceof RateLimiterRes)) throw res;
        // Only the refusal that starts the block is logged, not every CONNECT of a flood.
        if (res.consumedPoints === maxFailures + 1) {
          log.warn('mqtt logins from this address blocked after repeated failures', {
            remote,
            // For IPv6 the whole /64 the address is in.
            counted_as: key,
            failures: maxFailures,
            blocked_for_s: blockS,
          });
        }
        return 'blocked';
      }
      if (limit.pendingCount >= maxWaiting) {
        // Not this address's fault: the attempt does not count against it.
        void attempts.reward(key);
        busyRefused++;
        if (Date.now() - busySince >= BUSY_LOG_INTERVAL_MS) {
          log.warn('mqtt logins refused: too many password checks at once', {
            remote,
            refused: busyRefused,
            waiting: limit.pendingCount,
          });
          busySince = Date.now();
          busyRefused = 0;
        }
        return 'busy';
      }
      return 'ok';
    },
    check: (verify) => limit(verify),
    succeeded(remote) {
      void attempts.delete(loginKeyOf(remote));
    },
  };
}
