// The request operations a till can call (DESIGN §3 ops table): name → argument schema. The
// router validates every request against this before a handler sees it, so handlers get typed,
// checked arguments and malformed input is answered with `invalid_request` in one place. A write's
// schema holds the provider's argument rules too (src/loyalty/provider.ts `argsSchema`): the
// provider does not check a till's request again (src/loyalty/till-args.ts).
import { z } from 'zod';
import { mobileNumber } from '../contact.ts';
import { KEY_PART, KEY_PART_RULE, MAX_CODE_CHARS, MAX_EMAIL_CHARS } from '../loyalty/provider.ts';

// ISO 4217 codes the runtime knows (Node ships full ICU); `XXX`-style test codes are excluded.
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

const ref = z.string().min(1).max(128);
/** Integer minor units; the upper bound stops typos like amounts in millis (DESIGN §3). */
const amountCents = z.number().int('amount_cents must be an integer (minor units)').min(0).max(100_000_000);

/** Reads and the box's own ops: the transaction only pairs the answer with its request. */
const READ_OPS = {
  'loyalty/identify': z.object({
    code: z.string().min(1).max(2048),
    entry: z.enum(['manual', 'scan']).default('manual'),
  }),
  'gateway/test_scan': z.object({
    text: z.string().min(1).max(4096),
    device_id: z.string().min(1).max(128).optional(),
  }),
} as const;

/**
 * Writes carried to the provider: the transaction becomes its Idempotency-Key (DESIGN §4), so the
 * router refuses one that cannot be a key part (printable ASCII, src/loyalty/provider.ts), as the
 * provider would. A new write goes here, and only here: the check follows, and its conversion to
 * provider arguments (src/loyalty/till-args.ts, `WriteOpArgs`) does not type-check anywhere else.
 */
const WRITE_OPS = {
  'loyalty/redeem': z.object({
    customer_ref: ref,
    reward_id: ref,
    override: z.boolean().optional(),
  }),
  'loyalty/turnover': z
    .object({
      customer_ref: ref.optional(),
      // The provider's limit: a till's write is validated here only (the provider's own check of the
      // same rules is skipped on this path, src/loyalty/till-args.ts).
      code: z.string().min(1).max(MAX_CODE_CHARS).optional(),
      receipt_number: z.string().min(1).max(64),
      amount_cents: amountCents,
      currency: z
        .string()
        .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR')
        .refine((c) => CURRENCIES.has(c), 'unknown ISO 4217 currency'),
      receipt_datetime: z.iso.datetime({ offset: true }).optional(),
      redeemed: z.array(ref).max(100).optional(),
    })
    .refine((a) => a.customer_ref !== undefined || a.code !== undefined, {
      message: 'customer_ref or code is required',
      path: ['customer_ref'],
    }),
  'loyalty/reverse': z.object({
    // Names the turnover in the provider's Idempotency-Key (a key part, as the transaction is).
    original_transaction: z.union([
      // Length first, as before this rule moved here, so that a bad length is told as such alone.
      z.string().min(1, { abort: true }).max(128, { abort: true }).regex(KEY_PART, KEY_PART_RULE),
      z.number().int(),
    ]),
  }),
  'loyalty/void_redemption': z.object({ redemption_id: ref }),
  'loyalty/activate': z.object({
    mobile: mobileNumber,
    // The format first, as before the length rule moved here: a bad address is told as such alone.
    email: z.email({ abort: true }).max(MAX_EMAIL_CHARS),
  }),
} as const;

export const OPS = { ...READ_OPS, ...WRITE_OPS } as const;

export type OpName = keyof typeof OPS;
export type OpArgs<K extends OpName> = z.output<(typeof OPS)[K]>;
export type WriteOpName = keyof typeof WRITE_OPS;
/** A write's arguments: what the provider conversions take, so only a write can be converted. */
export type WriteOpArgs<K extends WriteOpName> = z.output<(typeof WRITE_OPS)[K]>;

/** Ops whose transaction becomes the provider's Idempotency-Key: the writes, from the one registry. */
export const KEYED_OPS: ReadonlySet<OpName> = new Set(Object.keys(WRITE_OPS) as WriteOpName[]);

const parsers: { [K in OpName]?: (typeof OPS)[K] } = {};

/**
 * The router's parser for an op: its schema above through `z.compile`, built on the op's first
 * request (a turnover's ~4 ms, about what that first parse costs the schema's own parser). A
 * compiled clone builds the output straight from the request instead of zod's payload and issue
 * objects per field (a turnover: ~160 B allocated per parse beside JSON.parse's, against ~1.5 KB),
 * and hands any input it would refuse to the schema's own parser, so the issues, and with them the
 * till's error messages, are the schema's (test/mqtt/op-parsers.test.ts holds the two to the same
 * verdicts). The schema stays the one source: nothing here is written twice.
 */
export function opParser<K extends OpName>(op: K): (typeof OPS)[K] {
  const built = parsers[op];
  if (built !== undefined) return built as (typeof OPS)[K];
  const parser = z.compile(OPS[op]);
  parsers[op] = parser;
  return parser;
}

export function isOpName(op: string): op is OpName {
  return Object.hasOwn(OPS, op);
}

/** The `transaction` field: the idempotency key end to end (DESIGN §3). */
export const transactionSchema = z.union([
  z.string().min(1).max(128),
  z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
]);
export type Transaction = z.infer<typeof transactionSchema>;
