// The provider's HTTP adapter (DESIGN §4): the one module that knows the provider's wire, in the
// loyalty folder's http-*.ts files and nowhere else — paths and bodies (http-requests.ts), reading
// answers (http-answers.ts), what a failed status means (http-failures.ts), one exchange on the
// socket (http-exchange.ts). This file makes the calls. Mapping the real partner's endpoints means
// changing those files only.
//
// node:http rather than fetch: undici's fetch may silently retry a request on a reused keep-alive socket,
// and we want exactly one attempt per `send` so that the outbox owns every retry (DESIGN §5).

import { z } from 'zod';
import { type Logger, maskFreeText, maskToken } from '../log.ts';
import { schemaErrorText } from '../util/schema-problems.ts';
import { lookupWire, parseJson, toLookup, toResult } from './http-answers.ts';
import { createHttpExchange, type Exchange } from './http-exchange.ts';
import { badResponse, classify, errorBody, headerValue } from './http-failures.ts';
import { createRequestBuilder, PATH } from './http-requests.ts';
import {
  type CustomerLookup,
  type Entry,
  isProviderRequest,
  keyPart,
  type LoyaltyProvider,
  type Prepared,
  type ProviderOutcome,
  type ProviderRequest,
  type SendOptions,
  type WriteOp,
  type WriteResults,
} from './provider.ts';

export { parseRetryAfter } from './http-failures.ts';

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

type ProviderConfig = Readonly<z.output<typeof httpProviderConfigSchema>>;

/** Options validated once, then frozen (STYLE: fastify); a bad config refuses to start, loudly. */
function providerConfig(config: HttpProviderConfig): ProviderConfig {
  const checked = httpProviderConfigSchema.safeParse(config);
  if (!checked.success) {
    const isSecret = (keys: readonly PropertyKey[]) => keys.at(-1) === 'apiKey';
    throw new Error(
      `invalid loyalty provider config: ${schemaErrorText(checked.error, { input: config, isSecret })}`,
    );
  }
  return Object.freeze({ ...checked.data, baseUrl: checked.data.baseUrl.replace(/\/+$/, '') });
}

/** The one way out to the provider, and each call's deadline. */
function providerExchange(cfg: ProviderConfig) {
  const http = createHttpExchange({
    baseUrl: cfg.baseUrl,
    maxSockets: cfg.maxSockets,
    maxResponseBytes: MAX_RESPONSE_BYTES,
  });
  const timeoutOf = (opts: SendOptions) =>
    typeof opts.timeoutMs === 'number' && opts.timeoutMs > 0 && Number.isFinite(opts.timeoutMs)
      ? opts.timeoutMs
      : cfg.timeoutMs;
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
  return { exchange, timeoutOf, close: () => http.close() };
}

export function createHttpProvider(
  config: HttpProviderConfig,
  logger: Logger,
  deps: HttpProviderDeps = {},
): LoyaltyProvider {
  const cfg = providerConfig(config);
  const now = deps.now ?? Date.now;
  const log = logger;
  const { exchange, timeoutOf, close } = providerExchange(cfg);
  /** The provider's own reason, for the log only, masked (maskFreeText: the key, contact data, numbers). */
  const providerDetail = (ex: Exchange) => {
    const detail = ex.kind === 'response' ? errorBody(ex.text).detail : undefined;
    return detail === undefined ? undefined : maskFreeText(detail, [cfg.apiKey]);
  };

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

  const requests = createRequestBuilder(cfg, now);
  const sendPrepared = async <O extends WriteOp>(
    p: Prepared<O>,
    opts?: SendOptions,
  ): Promise<ProviderOutcome<WriteResults[O]>> => (p.ok ? send(p.request, opts) : p);

  const provider: LoyaltyProvider = {
    name: 'http',
    lookup,
    send,
    ...requests,
    purchase: (args, opts) => sendPrepared(provider.preparePurchase(args), opts),
    redeem: (args, opts) => sendPrepared(provider.prepareRedemption(args), opts),
    voidRedemption: (redemptionId, args, opts) =>
      sendPrepared(provider.prepareVoid(redemptionId, args), opts),
    reverse: (purchase, args, opts) => sendPrepared(provider.prepareReverse(purchase, args), opts),
    activate: (args, opts) => sendPrepared(provider.prepareActivation(args), opts),
    close,
  };
  return provider;
}
