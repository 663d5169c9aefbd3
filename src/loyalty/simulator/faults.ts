// Fault injection for the simulated provider (DESIGN §4: latency, 5xx/429 rate, connection reset,
// "committed but response lost", full outage). Switchable at run time from JS and over HTTP; decisions
// come from the seeded PRNG so a run can be replayed.

import { z } from 'zod';
import { schemaErrorText } from '../../util/schema-problems.ts';
import type { Random } from './prng.ts';

export interface FaultSettings {
  /** Processing time of every API request, after the idempotency record is taken. */
  latencyMs: number;
  /** Extra uniform random latency in [0, latencyJitterMs). */
  latencyJitterMs: number;
  /** Share of API requests answered with `errorStatus` before any effect. */
  errorRate: number;
  errorStatus: number;
  /** Share of API requests answered 429 with a Retry-After. */
  rateLimitRate: number;
  retryAfterS: number;
  retryAfterFormat: 'seconds' | 'http-date';
  /** Share of API requests whose connection is destroyed before any effect. */
  resetRate: number;
  /** Share of API requests that take effect, then lose their answer (socket destroyed). */
  lostResponseRate: number;
  /** Every API connection is destroyed on arrival: a network error to the client. */
  outage: boolean;
  /** Share of API requests refused with a final 4xx (`rejectStatus`) before any effect: a provider
   * rule the gateway cannot retry around, for dead-letter demos and tests. */
  rejectRate: number;
  rejectStatus: number;
  /** The `detail` text of injected errors and rejections; a real provider may echo anything there
   * (customer data, URLs, the API key), which the gateway must not pass on. null = a plain text. */
  faultDetail: string | null;
}

export const NO_FAULTS: Readonly<FaultSettings> = Object.freeze({
  latencyMs: 0,
  latencyJitterMs: 0,
  errorRate: 0,
  errorStatus: 503,
  rateLimitRate: 0,
  retryAfterS: 1,
  retryAfterFormat: 'seconds',
  resetRate: 0,
  lostResponseRate: 0,
  outage: false,
  rejectRate: 0,
  rejectStatus: 422,
  faultDetail: null,
});

const rate = z.number().min(0).max(1);
const ms = z.number().int().min(0).max(600_000);

export const faultPatchSchema = z
  .object({
    latencyMs: ms,
    latencyJitterMs: ms,
    errorRate: rate,
    errorStatus: z.number().int().min(500).max(599),
    rateLimitRate: rate,
    retryAfterS: z.number().int().min(0).max(86_400),
    retryAfterFormat: z.enum(['seconds', 'http-date']),
    resetRate: rate,
    lostResponseRate: rate,
    outage: z.boolean(),
    rejectRate: rate,
    rejectStatus: z.number().int().min(400).max(499),
    faultDetail: z.string().max(2000).nullable(),
  })
  .partial()
  .strict();

export type FaultPatch = z.infer<typeof faultPatchSchema>;

export type FaultUpdate = { ok: true; faults: FaultSettings } | { ok: false; detail: string };

export interface FaultControl {
  get(): FaultSettings;
  /** Changes only the given settings; invalid input changes nothing and says why. */
  set(patch: FaultPatch): FaultUpdate;
  /** Back to no faults. */
  clear(): FaultSettings;
}

/** What happens to one API request; drawn once on arrival. */
export interface FaultDecision {
  outage: boolean;
  reset: boolean;
  error: boolean;
  rateLimit: boolean;
  lostResponse: boolean;
  reject: boolean;
  delayMs: number;
}

export interface Faults extends FaultControl {
  decide(): FaultDecision;
}

export function createFaults(random: Random): Faults {
  let current: FaultSettings = { ...NO_FAULTS };
  return {
    get: () => ({ ...current }),
    set(patch) {
      const parsed = faultPatchSchema.safeParse(patch);
      if (!parsed.success) {
        return { ok: false, detail: schemaErrorText(parsed.error, { input: patch, root: '(faults)' }) };
      }
      current = { ...current, ...parsed.data };
      return { ok: true, faults: { ...current } };
    },
    clear() {
      current = { ...NO_FAULTS };
      return { ...current };
    },
    decide() {
      const f = current;
      // Always the same number of draws per request, so one setting does not shift the others' sequence.
      const [r1, r2, r3, r4, r5, r6] = [random(), random(), random(), random(), random(), random()];
      return {
        outage: f.outage,
        reset: r1 < f.resetRate,
        error: r2 < f.errorRate,
        rateLimit: r3 < f.rateLimitRate,
        lostResponse: r4 < f.lostResponseRate,
        reject: r6 < f.rejectRate,
        delayMs: f.latencyMs + Math.floor(r5 * f.latencyJitterMs),
      };
    },
  };
}

export function retryAfterHeader(f: FaultSettings, nowMs: number): string {
  return f.retryAfterFormat === 'http-date'
    ? new Date(nowMs + f.retryAfterS * 1000).toUTCString()
    : String(f.retryAfterS);
}
