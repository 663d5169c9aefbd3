// The one module that knows the provider's wire (DESIGN §4): paths, JSON field names, headers,
// `{detail, code}` errors and how HTTP outcomes map onto the retry classes. Mapping the real partner's
// endpoints means changing this file only.
//
// node:http rather than fetch: undici's fetch may silently retry a request on a reused keep-alive socket,
// and we want exactly one attempt per `send` so that the outbox owns every retry (DESIGN §5).

import { z } from 'zod';
import { type Logger, maskFreeText, maskToken } from '../log.ts';
import { schemaErrorText } from '../util/schema-problems.ts';
import { createHttpExchange, type Exchange } from './http-exchange.ts';
import {
  type ActivationArgs,
  argsSchema,
  type CustomerLookup,
  checkArgs,
  type Discount,
  type Entry,
  isProviderRequest,
  keyPart,
  type LoyaltyProvider,
  PROVIDER_ERRORS,
  type Prepared,
  type ProviderErrorCode,
  type ProviderFailure,
  type ProviderOutcome,
  type ProviderRequest,
  type PurchaseArgs,
  type PurchaseReference,
  type RedemptionArgs,
  type ReverseArgs,
  type Reward,
  type RewardKind,
  type RewardValue,
  rewardState,
  type SendOptions,
  type VoidArgs,
  type WriteOp,
  type WriteResults,
} from './provider.ts';

const PATH = {
  lookup: '/api/v1/pos/customers/lookup',
  purchases: '/api/v1/pos/purchases',
  reverse: (id: string) => `/api/v1/pos/purchases/${encodeURIComponent(id)}/reverse`,
  redemptions: '/api/v1/pos/redemptions',
  void: (id: string) => `/api/v1/pos/redemptions/${encodeURIComponent(id)}/void`,
  activate: '/api/v1/pos/customers/activate',
} as const;

const MAX_RESPONSE_BYTES = 1024 * 1024;
const MAX_BODY_BYTES = 64 * 1024;

export const httpProviderConfigSchema = z.object({
  baseUrl: z.url({ protocol: /^https?$/ }),
  /** null: the key was lost with the secrets file; every call fails as unreachable, nothing is sent. */
  apiKey: z.string().min(1).nullable(),
  branchId: keyPart,
  tillId: keyPart,
  timeoutMs: z.number().int().positive().max(600_000),
  /** Parallel connections: the outbox's concurrency plus room for online requests (identify, redeem). */
  maxSockets: z.number().int().min(1).max(256).default(10),
});

export type HttpProviderConfig = z.input<typeof httpProviderConfigSchema>;

export interface HttpProviderDeps {
  /** Clock for reward states; tests pin it. */
  now?: () => number;
}

// Response bodies, read leniently: extra fields are the provider's business.
const rewardWire = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  activated: z.boolean(),
  valid_from: z.string().nullish(),
  valid_until: z.string().nullish(),
  remaining: z.number().int().nullish(),
  value: z.record(z.string(), z.unknown()).nullish(),
});
const lookupWire = z.object({
  customer_ref: z.string(),
  masked_ref: z.string(),
  points: z.number(),
  rewards: z.array(rewardWire),
});
const wireData = {
  purchase: z.object({ purchase_id: z.string(), points_earned: z.number(), points_balance: z.number() }),
  redemption: z.object({
    redemption_id: z.string(),
    discount: z.record(z.string(), z.unknown()).nullish(),
  }),
  void: z.object({ state: z.string().optional() }),
  reverse: z.object({ state: z.string().optional(), points_balance: z.number().optional() }),
  activation: z.object({ customer_ref: z.string() }),
};

const REWARD_KINDS: readonly string[] = ['discount', 'stamp', 'bonus_points', 'prepaid', 'voucher'];

function toValue(raw: Record<string, unknown> | null | undefined): RewardValue {
  const v: RewardValue = {};
  if (!raw) return v;
  if (typeof raw.percent === 'number') v.percent = raw.percent;
  if (typeof raw.amount_cents === 'number') v.amountCents = raw.amount_cents;
  if (typeof raw.currency === 'string') v.currency = raw.currency;
  if (typeof raw.points === 'number') v.points = raw.points;
  if (typeof raw.item === 'string') v.item = raw.item;
  return v;
}

function toKind(kind: unknown): RewardKind | 'other' {
  return typeof kind === 'string' && REWARD_KINDS.includes(kind) ? (kind as RewardKind) : 'other';
}

function toLookup(w: z.infer<typeof lookupWire>, nowMs: number): CustomerLookup {
  const rewards = w.rewards.map((r): Reward => {
    const base = {
      id: r.id,
      name: r.name,
      kind: toKind(r.kind),
      activated: r.activated,
      validFrom: r.valid_from ?? null,
      validUntil: r.valid_until ?? null,
      remaining: r.remaining ?? null,
      value: toValue(r.value),
    };
    return { ...base, state: rewardState(base, nowMs) };
  });
  return { customer: { ref: w.customer_ref, maskedRef: w.masked_ref, points: w.points }, rewards };
}

function toResult<O extends WriteOp>(op: O, json: unknown): WriteResults[O] | undefined {
  const parsed = wireData[op].safeParse(json ?? {});
  if (!parsed.success) return undefined;
  const d = parsed.data as Record<string, unknown>;
  const results: { [K in WriteOp]: () => WriteResults[K] } = {
    purchase: () => ({
      purchaseId: d.purchase_id as string,
      pointsEarned: d.points_earned as number,
      pointsBalance: d.points_balance as number,
    }),
    redemption: () => {
      const raw = (d.discount ?? {}) as Record<string, unknown>;
      const discount: Discount = { kind: toKind(raw.kind), ...toValue(raw) };
      return { redemptionId: d.redemption_id as string, discount };
    },
    void: () => ({ state: (d.state as string | undefined) ?? 'voided' }),
    reverse: () => ({
      state: (d.state as string | undefined) ?? 'reversed',
      ...(typeof d.points_balance === 'number' ? { pointsBalance: d.points_balance } : {}),
    }),
    activation: () => ({ customerRef: d.customer_ref as string }),
  };
  return results[op]() as WriteResults[O];
}

/** `Retry-After` is delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Math.min(Number(v), 86_400) * 1000;
  const at = Date.parse(v);
  if (!Number.isFinite(at)) return undefined;
  return Math.min(Math.max(0, at - nowMs), 86_400_000);
}

// A provider's code passes on to tills and dead letters as it is: a word, never a number it echoed.
const WIRE_CODE = /^(?!.*\d{4})[a-z][a-z0-9_]{0,63}$/;

function errorBody(text: string): { code?: string; detail?: string } {
  try {
    const j = JSON.parse(text) as { code?: unknown; detail?: unknown };
    const code = typeof j.code === 'string' && WIRE_CODE.test(j.code) ? j.code : undefined;
    const detail =
      j.detail === undefined ? undefined : typeof j.detail === 'string' ? j.detail : JSON.stringify(j.detail);
    return { code, detail: detail?.slice(0, 300) };
  } catch {
    return {};
  }
}

/** DESIGN §4 retry classes, applied to everything that is not the expected 2xx. */
function classify(ex: Exchange, timeoutMs: number, nowMs: number): ProviderFailure {
  if (ex.kind === 'timeout')
    return {
      ok: false,
      retryable: true,
      code: 'provider_timeout',
      detail: `no answer within ${timeoutMs} ms`,
    };
  if (ex.kind === 'aborted')
    return { ok: false, retryable: true, code: 'aborted', detail: 'aborted by the caller' };
  if (ex.kind === 'network')
    return { ok: false, retryable: true, code: 'provider_unreachable', detail: ex.detail };
  const { status } = ex;
  const body = errorBody(ex.text);
  const retryAfter = parseRetryAfter(headerValue(ex.headers['retry-after']), nowMs);
  // Our words, never the provider's `detail`: that text may echo customer data, URLs or the key,
  // and a failure travels to tills, events and dead letters. It is logged masked (providerDetail).
  const fail = (retryable: boolean, code: string): ProviderFailure => ({
    ok: false,
    retryable,
    code,
    detail: `HTTP ${status}: ${Object.hasOwn(PROVIDER_ERRORS, code) ? PROVIDER_ERRORS[code as ProviderErrorCode] : 'the provider refused the request'}`,
    status,
    ...(retryable && retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
  });
  if (status === 408) return fail(true, 'provider_timeout');
  if (status === 429) return fail(true, 'rate_limited');
  if (status >= 500) return fail(true, 'provider_error');
  if (status === 409 && (body.code === 'in_progress' || body.code === undefined))
    return fail(true, 'in_progress');
  if (status === 401) return fail(false, 'unauthorized');
  if (status === 403) return fail(false, 'forbidden');
  if (status === 404) return fail(false, body.code ?? 'not_found');
  if (status === 422 || status === 400) return fail(false, body.code ?? 'invalid');
  return fail(false, body.code ?? 'provider_rejected');
}

function headerValue(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h[0] : h;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function badResponse(status: number, what: string): ProviderFailure {
  return { ok: false, retryable: false, code: 'bad_response', detail: `unexpected ${what} body`, status };
}

export function createHttpProvider(
  config: HttpProviderConfig,
  logger: Logger,
  deps: HttpProviderDeps = {},
): LoyaltyProvider {
  // Options validated once, then frozen (STYLE: fastify); a bad config refuses to start, loudly.
  const checked = httpProviderConfigSchema.safeParse(config);
  if (!checked.success) {
    const isSecret = (keys: readonly PropertyKey[]) => keys.at(-1) === 'apiKey';
    throw new Error(
      `invalid loyalty provider config: ${schemaErrorText(checked.error, { input: config, isSecret })}`,
    );
  }
  const cfg = Object.freeze({ ...checked.data, baseUrl: checked.data.baseUrl.replace(/\/+$/, '') });
  const now = deps.now ?? Date.now;
  const log = logger;
  const http = createHttpExchange({
    baseUrl: cfg.baseUrl,
    maxSockets: cfg.maxSockets,
    maxResponseBytes: MAX_RESPONSE_BYTES,
  });
  /** Every call carries the per-branch API key (DESIGN §4); it is never logged. */
  const exchange = (
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
    opts: SendOptions,
  ): ReturnType<typeof http.request> =>
    cfg.apiKey === null
      ? // Retryable, so a turnover stays queued until the key is provisioned (then it drains).
        Promise.resolve({ kind: 'network', detail: 'no provider API key: provision the box again' })
      : http.request({
          method,
          path,
          body,
          timeoutMs: timeoutOf(opts),
          signal: opts.signal,
          headers: {
            Accept: 'application/json',
            Authorization: `API-Key ${cfg.apiKey}`,
            'User-Agent': 'till-edge-gateway',
            ...headers,
          },
        });
  /** The provider's own reason, for the log only, masked (maskFreeText: the key, contact data, numbers). */
  const providerDetail = (ex: Exchange) => {
    const detail = ex.kind === 'response' ? errorBody(ex.text).detail : undefined;
    return detail === undefined ? undefined : maskFreeText(detail, [cfg.apiKey]);
  };
  const keyFor = (tx: string) => `${cfg.branchId}:${cfg.tillId}:${tx}`;
  const timeoutOf = (opts: SendOptions) =>
    typeof opts.timeoutMs === 'number' && opts.timeoutMs > 0 && Number.isFinite(opts.timeoutMs)
      ? opts.timeoutMs
      : cfg.timeoutMs;

  async function send<O extends WriteOp>(
    request: ProviderRequest<O>,
    opts: SendOptions = {},
  ): Promise<ProviderOutcome<WriteResults[O]>> {
    if (
      !isProviderRequest(request) ||
      Buffer.byteLength(request.body) > MAX_BODY_BYTES ||
      // Header and request-line safe, so a corrupt stored request fails here as final, not as a
      // "network error" that would be retried for ever.
      !/^[\x21-\x7e]{1,400}$/.test(request.idempotencyKey) ||
      !/^\/[\x21-\x7e]*$/.test(request.path)
    ) {
      return { ok: false, retryable: false, code: 'invalid', detail: 'not a prepared provider request' };
    }
    const started = now();
    const ex = await exchange(
      'POST',
      request.path,
      { 'Content-Type': 'application/json; charset=utf-8', 'Idempotency-Key': request.idempotencyKey },
      request.body,
      opts,
    );
    // Never the body: an activation carries mobile and e-mail (DESIGN §2).
    const fields = {
      op: request.op,
      path: request.path,
      idempotency_key: request.idempotencyKey,
      ms: now() - started,
    };
    if (ex.kind !== 'response' || ex.status < 200 || ex.status > 299) {
      const failure = classify(ex, timeoutOf(opts), now());
      log.warn('provider write failed', {
        ...fields,
        error_code: failure.code,
        status: failure.status,
        retryable: failure.retryable,
        provider_detail: providerDetail(ex),
      });
      return failure;
    }
    const json = parseJson(ex.text);
    const data = json.ok ? toResult(request.op, json.value) : undefined;
    if (data === undefined) {
      log.warn('provider write answer unreadable', { ...fields, status: ex.status });
      return badResponse(ex.status, request.op);
    }
    const replayed = headerValue(ex.headers['idempotent-replayed'])?.toLowerCase() === 'true';
    log.debug('provider write done', { ...fields, status: ex.status, replayed });
    return { ok: true, status: ex.status, data, replayed };
  }

  async function lookup(
    code: string,
    entry: Entry,
    opts: SendOptions = {},
  ): Promise<ProviderOutcome<CustomerLookup>> {
    if (typeof code !== 'string' || code.length === 0 || code.length > 512)
      return { ok: false, retryable: false, code: 'invalid', detail: 'code: 1-512 characters' };
    if (entry !== 'scan' && entry !== 'manual')
      return { ok: false, retryable: false, code: 'invalid', detail: 'entry: scan or manual' };
    const query = new URLSearchParams({ code, entry }).toString();
    const started = now();
    const ex = await exchange('GET', `${PATH.lookup}?${query}`, {}, undefined, opts);
    const fields = { op: 'lookup', token: maskToken(code), entry, ms: now() - started };
    if (ex.kind !== 'response' || ex.status !== 200) {
      const failure = classify(ex, timeoutOf(opts), now());
      log.info('provider lookup failed', {
        ...fields,
        error_code: failure.code,
        status: failure.status,
        provider_detail: providerDetail(ex),
      });
      return failure;
    }
    const json = parseJson(ex.text);
    const parsed = json.ok ? lookupWire.safeParse(json.value) : undefined;
    if (!parsed?.success) {
      log.warn('provider lookup answer unreadable', fields);
      return badResponse(ex.status, 'lookup');
    }
    log.debug('provider lookup done', { ...fields, rewards: parsed.data.rewards.length });
    return { ok: true, status: ex.status, data: toLookup(parsed.data, now()), replayed: false };
  }

  function prepared<O extends WriteOp>(
    op: O,
    path: string,
    tx: string,
    body: Record<string, unknown>,
  ): Prepared<O> {
    const request: ProviderRequest<O> = {
      op,
      method: 'POST',
      path,
      body: JSON.stringify(body),
      idempotencyKey: keyFor(tx),
    };
    return { ok: true, request };
  }

  const sendPrepared = async <O extends WriteOp>(
    p: Prepared<O>,
    opts?: SendOptions,
  ): Promise<ProviderOutcome<WriteResults[O]>> => (p.ok ? send(p.request, opts) : p);

  const provider: LoyaltyProvider = {
    name: 'http',
    lookup,
    send,
    preparePurchase(args: PurchaseArgs) {
      const p = checkArgs(argsSchema.purchase, args);
      if (!p.ok) return p;
      const a = p.value;
      return prepared('purchase', PATH.purchases, a.transaction, {
        transaction_id: a.transaction,
        receipt_number: a.receiptNumber,
        // Fixed now, so that every retry carries the same bytes (DESIGN §4).
        receipt_datetime: a.receiptDatetime ?? new Date(now()).toISOString(),
        amount: { gross_cents: a.amountCents, currency: a.currency },
        ...(a.customerRef !== undefined ? { customer_ref: a.customerRef } : { code: a.code }),
        redeemed: a.redeemed ?? [],
      });
    },
    prepareRedemption(args: RedemptionArgs) {
      const p = checkArgs(argsSchema.redemption, args);
      if (!p.ok) return p;
      const a = p.value;
      return prepared('redemption', PATH.redemptions, a.transaction, {
        transaction_id: a.transaction,
        customer_ref: a.customerRef,
        reward_id: a.rewardId,
        ...(a.override === true ? { override: true } : {}),
      });
    },
    prepareVoid(redemptionId: string, args: VoidArgs) {
      const p = checkArgs(argsSchema.void, { redemptionId, args });
      if (!p.ok) return p;
      const tx = p.value.args.transaction;
      return prepared('void', PATH.void(p.value.redemptionId), tx, { transaction_id: tx });
    },
    prepareReverse(purchase: PurchaseReference, args: ReverseArgs) {
      const p = checkArgs(argsSchema.reverse, { purchase, args });
      if (!p.ok) return p;
      // The provider finds a purchase by its id or by the external transaction key it was booked with.
      const ref = p.value.purchase;
      const target = typeof ref === 'string' ? ref : keyFor(ref.originalTransaction);
      const tx = p.value.args.transaction;
      return prepared('reverse', PATH.reverse(target), tx, { transaction_id: tx });
    },
    prepareActivation(args: ActivationArgs) {
      const p = checkArgs(argsSchema.activation, args);
      if (!p.ok) return p;
      const { transaction: tx, mobile, email } = p.value;
      return prepared('activation', PATH.activate, tx, { transaction_id: tx, mobile, email });
    },
    keptAfterDelivery(request) {
      // Only a purchase booked by scanned code carries a token (customer refs are the provider's).
      if (request.op !== 'purchase') return request;
      const json = parseJson(request.body);
      const body = json.ok && typeof json.value === 'object' ? (json.value as Record<string, unknown>) : null;
      if (typeof body?.code !== 'string') return request;
      return { ...request, body: JSON.stringify({ ...body, code: maskToken(body.code) }) };
    },
    purchase: (args, opts) => sendPrepared(provider.preparePurchase(args), opts),
    redeem: (args, opts) => sendPrepared(provider.prepareRedemption(args), opts),
    voidRedemption: (redemptionId, args, opts) =>
      sendPrepared(provider.prepareVoid(redemptionId, args), opts),
    reverse: (purchase, args, opts) => sendPrepared(provider.prepareReverse(purchase, args), opts),
    activate: (args, opts) => sendPrepared(provider.prepareActivation(args), opts),
    close() {
      http.close();
    },
  };
  return provider;
}
