// What an HTTP outcome other than the expected 2xx means (DESIGN §4 retry classes): which failures
// the outbox retries, which are final, and the stable code each one carries to tills and dead letters.
import type { Exchange } from './http-exchange.ts';
import { PROVIDER_ERRORS, type ProviderErrorCode, type ProviderFailure } from './provider.ts';

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

export function errorBody(text: string): { code?: string; detail?: string } {
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
export function classify(ex: Exchange, timeoutMs: number, nowMs: number): ProviderFailure {
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

export function headerValue(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h[0] : h;
}

export function badResponse(status: number, what: string): ProviderFailure {
  return { ok: false, retryable: false, code: 'bad_response', detail: `unexpected ${what} body`, status };
}
