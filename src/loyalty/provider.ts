// The loyalty provider as the rest of the gateway sees it: customers, rewards, turnovers, redemptions,
// storno and app activation (DESIGN §2), with no HTTP in sight. The wire lives in the adapter only,
// http-adapter.ts and the http-*.ts files beside it (DESIGN §4: "all wire mapping stays in one
// adapter module").
//
// Writes are two steps because the outbox must resend the exact bytes it first sent (DESIGN §4, §5):
// `prepare*` fixes everything that could change between attempts (receipt time, body, idempotency key)
// into a plain, JSON-serialisable `ProviderRequest`; `send` delivers such a request, now or after a
// restart, and classifies the outcome into the retry classes of DESIGN §4.

import { z } from 'zod';
import { mobileNumber } from '../contact.ts';
import { schemaErrorText } from '../util/schema-problems.ts';

export type Entry = 'scan' | 'manual';

export type RewardKind = 'discount' | 'stamp' | 'bonus_points' | 'prepaid' | 'voucher';

/** Why a reward can or cannot be redeemed right now; the till shows it (DESIGN §2 "shown as such"). */
export type RewardState = 'available' | 'not_activated' | 'expired' | 'exhausted' | 'not_yet_valid';

/** What a reward is worth; which fields are present depends on the kind. */
export interface RewardValue {
  percent?: number;
  amountCents?: number;
  currency?: string;
  points?: number;
  item?: string;
}

export interface Reward {
  id: string;
  name: string;
  /** `other` when the provider sends a kind this gateway does not know yet. */
  kind: RewardKind | 'other';
  activated: boolean;
  validFrom: string | null;
  validUntil: string | null;
  /** Uses left; `null` = unlimited. */
  remaining: number | null;
  value: RewardValue;
  state: RewardState;
}

export interface Customer {
  ref: string;
  maskedRef: string;
  points: number;
}

export interface CustomerLookup {
  customer: Customer;
  rewards: Reward[];
}

/** The till's `transaction` is the idempotency key end to end (DESIGN §3). */
interface WriteArgs {
  transaction: string;
}

export interface PurchaseArgs extends WriteArgs {
  receiptNumber: string;
  amountCents: number;
  currency: string;
  /** ISO 8601; defaults to the time of preparation, then never changes (DESIGN §4). */
  receiptDatetime?: string;
  /** One of customerRef or code: a turnover identified offline carries the scanned code (DESIGN §3). */
  customerRef?: string;
  code?: string;
  redeemed?: readonly string[];
}

export interface RedemptionArgs extends WriteArgs {
  customerRef: string;
  rewardId: string;
  /** Apply an expired or exhausted program anyway (DESIGN §2). */
  override?: boolean;
}

export type VoidArgs = WriteArgs;
export type ReverseArgs = WriteArgs;

/** What a void names: the redemption, and the write's own transaction. */
export interface VoidCall {
  redemptionId: string;
  args: VoidArgs;
}

/** Contact data: never stored, never logged (DESIGN §2 flow 5). Activation is online only. */
export interface ActivationArgs extends WriteArgs {
  mobile: string;
  email: string;
}

/**
 * The purchase a reverse cancels: its provider id, or the till transaction that booked it. The latter
 * lets a storno be queued while its turnover is still queued (the outbox sends it after the booking).
 */
export type PurchaseReference = string | { originalTransaction: string };

/** What a reverse names: the purchase, and the write's own transaction. */
export interface ReverseCall {
  purchase: PurchaseReference;
  args: ReverseArgs;
}

declare const checkedArgs: unique symbol;
/**
 * Arguments known to meet their rules in `argsSchema`, so a request can be built from them without
 * a second check. Made by `checkArgs`, or by `assumeChecked` for a till's request, whose op schema
 * holds the same rules (src/loyalty/till-args.ts). The `*Request` builders take only these.
 */
export type Checked<T> = T & { readonly [checkedArgs]: true };

export interface PurchaseResult {
  purchaseId: string;
  pointsEarned: number;
  pointsBalance: number;
}

export interface Discount extends RewardValue {
  kind: RewardKind | 'other';
}

export interface RedemptionResult {
  redemptionId: string;
  discount: Discount;
}

export interface VoidResult {
  state: string;
}

export interface ReverseResult {
  state: string;
  pointsBalance?: number;
}

export interface ActivationResult {
  customerRef: string;
}

export interface WriteResults {
  purchase: PurchaseResult;
  redemption: RedemptionResult;
  void: VoidResult;
  reverse: ReverseResult;
  activation: ActivationResult;
}

export type WriteOp = keyof WriteResults;

export const WRITE_OPS: readonly WriteOp[] = ['purchase', 'redemption', 'void', 'reverse', 'activation'];

/**
 * A write ready to be sent, byte for byte the same at every attempt. Plain data: the outbox stores it
 * as JSON. `path` is relative to the provider base URL so a re-provisioned URL still applies; the API
 * key is added at send time and is never part of it. An activation request holds contact data and
 * must not be stored (DESIGN §2).
 */
export interface ProviderRequest<O extends WriteOp = WriteOp> {
  readonly op: O;
  readonly method: 'POST';
  readonly path: string;
  readonly body: string;
  readonly idempotencyKey: string;
}

export interface SendOptions {
  /** Defaults to the adapter's configured timeout. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ProviderSuccess<T> {
  ok: true;
  status: number;
  data: T;
  /** The provider answered from its idempotency record: the effect happened on an earlier attempt. */
  replayed: boolean;
}

export interface ProviderFailure {
  ok: false;
  /** DESIGN §4: network errors, timeouts, 408, 409 in progress, 429, 5xx retry; everything else is final. */
  retryable: boolean;
  retryAfterMs?: number;
  code: ProviderErrorCode | (string & {});
  detail: string;
  status?: number;
}

export type ProviderOutcome<T> = ProviderSuccess<T> | ProviderFailure;

/** A prepared write, or why the arguments cannot make one (final, never sent). */
export type Prepared<O extends WriteOp> = { ok: true; request: ProviderRequest<O> } | ProviderFailure;

export interface LoyaltyProvider {
  readonly name: string;
  lookup(code: string, entry: Entry, opts?: SendOptions): Promise<ProviderOutcome<CustomerLookup>>;

  // `prepare*` check the arguments against `argsSchema`, then build the request.
  preparePurchase(args: PurchaseArgs): Prepared<'purchase'>;
  prepareRedemption(args: RedemptionArgs): Prepared<'redemption'>;
  prepareVoid(redemptionId: string, args: VoidArgs): Prepared<'void'>;
  prepareReverse(purchase: PurchaseReference, args: ReverseArgs): Prepared<'reverse'>;
  prepareActivation(args: ActivationArgs): Prepared<'activation'>;
  // The same requests from arguments already checked: a till's request, which the router validated
  // against an op schema holding these rules (src/loyalty/till-args.ts), so it is validated once.
  purchaseRequest(args: Checked<PurchaseArgs>): ProviderRequest<'purchase'>;
  redemptionRequest(args: Checked<RedemptionArgs>): ProviderRequest<'redemption'>;
  voidRequest(call: Checked<VoidCall>): ProviderRequest<'void'>;
  reverseRequest(call: Checked<ReverseCall>): ProviderRequest<'reverse'>;
  activationRequest(args: Checked<ActivationArgs>): ProviderRequest<'activation'>;
  /**
   * What a delivered job keeps of a prepared request (DESIGN §2: no full loyalty token once
   * delivered): the same request with the token masked, so that a replay of its transaction is
   * still told from another request. Deterministic: the same request always gives the same form.
   */
  keptAfterDelivery<O extends WriteOp>(request: ProviderRequest<O>): ProviderRequest<O>;
  /** Sends a prepared request as it is; safe to call again with the same request (idempotency key). */
  send<O extends WriteOp>(
    request: ProviderRequest<O>,
    opts?: SendOptions,
  ): Promise<ProviderOutcome<WriteResults[O]>>;

  // Prepare and send at once, for the online-only paths.
  purchase(args: PurchaseArgs, opts?: SendOptions): Promise<ProviderOutcome<PurchaseResult>>;
  redeem(args: RedemptionArgs, opts?: SendOptions): Promise<ProviderOutcome<RedemptionResult>>;
  voidRedemption(
    redemptionId: string,
    args: VoidArgs,
    opts?: SendOptions,
  ): Promise<ProviderOutcome<VoidResult>>;
  reverse(
    purchase: PurchaseReference,
    args: ReverseArgs,
    opts?: SendOptions,
  ): Promise<ProviderOutcome<ReverseResult>>;
  activate(args: ActivationArgs, opts?: SendOptions): Promise<ProviderOutcome<ActivationResult>>;

  /** Releases kept-alive connections. */
  close(): void;
}

/** The error catalogue: stable codes and what they mean (the MQTT layer passes them to the till). */
export const PROVIDER_ERRORS = {
  provider_unreachable: 'no answer: connection refused, reset or dropped (retryable)',
  provider_timeout: 'no answer within the timeout, or 408 (retryable)',
  in_progress: 'the same idempotency key is still being processed (409, retryable)',
  rate_limited: 'too many requests (429, retryable after retryAfterMs)',
  provider_error: 'the provider failed (5xx, retryable)',
  bad_response: 'the provider answered with a body this gateway cannot read (final)',
  aborted: 'the caller gave up before an answer; the effect may have happened (retryable)',
  unauthorized: 'the API key was refused (401)',
  forbidden: 'the API key may not do this (403)',
  customer_not_found: 'no customer for this code or reference (404)',
  reward_not_found: 'the customer has no such reward (404)',
  purchase_not_found: 'no such purchase to reverse (404)',
  redemption_not_found: 'no such redemption to void (404)',
  not_found: 'the provider knows no such resource (404)',
  code_expired: 'the app code has expired; ask the customer to refresh it (410)',
  void_window_closed: 'the redemption is too old to be voided (410)',
  already_redeemed: 'this single-use reward was already redeemed (409)',
  duplicate_contact: 'a customer with this mobile or e-mail exists (409)',
  expired: 'the reward is past its validity; only with override (422)',
  exhausted: 'the reward has no uses left; only with override (422)',
  not_activated: 'the customer has not activated this reward in the app (422)',
  not_yet_valid: 'the reward is not valid yet; its validity starts later (422)',
  invalid: 'the request is malformed (422; when our own checks refuse it, the detail names the field)',
  idempotency_key_reused: 'the same transaction was sent before with another body (422)',
  provider_rejected: 'the provider refused the request for another reason (4xx, final)',
} as const;

export type ProviderErrorCode = keyof typeof PROVIDER_ERRORS;

/** Whether a reward can be applied at `nowMs`, in the order the provider checks it. */
export function rewardState(
  reward: Pick<Reward, 'activated' | 'validFrom' | 'validUntil' | 'remaining'>,
  nowMs: number,
): RewardState {
  if (!reward.activated) return 'not_activated';
  const until = reward.validUntil === null ? Number.NaN : Date.parse(reward.validUntil);
  if (Number.isFinite(until) && until < nowMs) return 'expired';
  if (reward.remaining !== null && reward.remaining <= 0) return 'exhausted';
  const from = reward.validFrom === null ? Number.NaN : Date.parse(reward.validFrom);
  if (Number.isFinite(from) && from > nowMs) return 'not_yet_valid';
  return 'available';
}

/** For data read back from storage: is this a request `send` can deliver? */
export function isProviderRequest(value: unknown): value is ProviderRequest {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r.op === 'string' &&
    (WRITE_OPS as readonly string[]).includes(r.op) &&
    r.method === 'POST' &&
    typeof r.path === 'string' &&
    r.path.startsWith('/') &&
    typeof r.body === 'string' &&
    typeof r.idempotencyKey === 'string' &&
    r.idempotencyKey.length > 0
  );
}

// Argument rules for every provider, checked before anything is sent. Garbage gives an `invalid`
// failure naming the field, never an exception. Transactions and ids end up in the Idempotency-Key
// header `<branch>:<till>:<transaction>` (DESIGN §4), hence printable ASCII only.
export const KEY_PART = /^[\x21-\x7e]{1,128}$/;
export const KEY_PART_RULE = 'printable ASCII without spaces, 1-128 characters';
export const keyPart = z.string().regex(KEY_PART, KEY_PART_RULE);
/** Longest loyalty code a turnover may carry instead of a customer ref. */
export const MAX_CODE_CHARS = 512;
/** Longest e-mail address an activation may carry (RFC 5321's path limit). */
export const MAX_EMAIL_CHARS = 254;
const id = z.string().min(1).max(128);
const write = z.object({ transaction: keyPart });

export const argsSchema = {
  purchase: z
    .object({
      transaction: keyPart,
      receiptNumber: z.string().min(1).max(64),
      amountCents: z.number().int().min(0).max(100_000_000),
      currency: z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code, e.g. EUR'),
      receiptDatetime: z.iso.datetime({ offset: true }).optional(),
      customerRef: id.optional(),
      code: z.string().min(1).max(MAX_CODE_CHARS).optional(),
      redeemed: z.array(id).max(100).optional(),
    })
    .refine((a) => a.customerRef !== undefined || a.code !== undefined, {
      path: ['customerRef'],
      message: 'customerRef or code is required',
    }),
  redemption: z.object({
    transaction: keyPart,
    customerRef: id,
    rewardId: id,
    override: z.boolean().optional(),
  }),
  void: z.object({ redemptionId: id, args: write }),
  reverse: z.object({ purchase: z.union([id, z.object({ originalTransaction: keyPart })]), args: write }),
  activation: z.object({
    transaction: keyPart,
    mobile: mobileNumber,
    email: z.email().max(MAX_EMAIL_CHARS),
  }),
} as const;

/** Validates arguments against a schema of `argsSchema`. */
export function checkArgs<T>(
  schema: z.ZodType<T>,
  input: unknown,
): { ok: true; value: Checked<T> } | ProviderFailure {
  const r = schema.safeParse(input);
  if (r.success) return { ok: true, value: assumeChecked(r.data) };
  // Arguments carry contact data (activation): the detail shows only the kind of a bad value.
  const detail = schemaErrorText(r.error, { input, values: 'kind', root: '(arguments)' });
  return { ok: false, retryable: false, code: 'invalid', detail };
}

/**
 * Marks arguments as meeting their `argsSchema` rules without checking them. Only for a till's
 * request the router has validated against an op schema that holds those rules: src/loyalty/
 * till-args.ts, whose every conversion a property test holds to it (test/loyalty/op-args.test.ts).
 */
export function assumeChecked<T>(args: T): Checked<T> {
  return args as Checked<T>;
}
