// Provider failures → the till's stable error codes (DESIGN §3). The provider adapter speaks the
// provider's catalogue; the till only ever sees codes from src/errors.ts.
import { type ErrorCode, GatewayError } from '../errors.ts';
import { OUTBOX_ERROR_CODES, type OutboxErrorCode } from '../outbox/errors.ts';
import type { ProviderErrorCode, ProviderFailure } from './provider.ts';

// Total maps, typed against both catalogues: a code added to or renamed in PROVIDER_ERRORS or
// OUTBOX_ERROR_CODES fails to compile here until the till's code for it is chosen.
const FROM_PROVIDER: Record<ProviderErrorCode, ErrorCode> = {
  provider_unreachable: 'provider_unreachable',
  provider_timeout: 'provider_unreachable',
  in_progress: 'provider_unreachable',
  rate_limited: 'provider_unreachable',
  provider_error: 'provider_unreachable',
  aborted: 'provider_unreachable',
  bad_response: 'provider_error',
  unauthorized: 'provider_error',
  forbidden: 'provider_error',
  customer_not_found: 'not_found',
  reward_not_found: 'not_found',
  purchase_not_found: 'not_found',
  redemption_not_found: 'not_found',
  not_found: 'not_found',
  code_expired: 'expired',
  void_window_closed: 'void_window_closed',
  already_redeemed: 'already_redeemed',
  duplicate_contact: 'duplicate_contact',
  expired: 'expired',
  exhausted: 'exhausted',
  not_activated: 'not_activated',
  not_yet_valid: 'not_yet_valid',
  invalid: 'invalid_request',
  idempotency_key_reused: 'transaction_reused',
  provider_rejected: 'provider_error',
};

/** Outbox codes a till can meet: a dead letter's reason, or why a request was not stored. */
export const FROM_OUTBOX: Record<OutboxErrorCode, ErrorCode> = {
  buffer_full: 'buffer_full',
  invalid_job: 'internal_error',
  store_error: 'internal_error',
  store_unavailable: 'unavailable',
  schema_too_new: 'unavailable',
  invalid_options: 'internal_error',
  not_found: 'not_found',
  not_dead: 'internal_error',
  dependency_failed: 'provider_error',
  delivery_exception: 'internal_error',
  delivery_timeout: 'provider_unreachable',
  invalid_outcome: 'internal_error',
};

/** The till's code for a provider failure or a dead letter's reason (provider's or outbox's). */
export function tillCode(failure: Pick<ProviderFailure, 'retryable' | 'code'>): ErrorCode {
  if (failure.retryable) return 'provider_unreachable';
  if (Object.hasOwn(FROM_PROVIDER, failure.code)) return FROM_PROVIDER[failure.code as ProviderErrorCode];
  if (Object.hasOwn(OUTBOX_ERROR_CODES, failure.code)) return FROM_OUTBOX[failure.code as OutboxErrorCode];
  // A code the provider added that this gateway does not know yet.
  return 'provider_error';
}

/**
 * The error a handler throws for a provider failure. `details` has a fixed shape, nothing the
 * provider wrote in free text: its code (a word, src/loyalty/http-failures.ts), HTTP status and
 * Retry-After. The message is the adapter's own words for the failure.
 */
export function providerError(failure: ProviderFailure): GatewayError {
  const code = tillCode(failure);
  const message =
    code === 'provider_unreachable'
      ? `the loyalty provider could not be reached (${failure.code}); try again or continue without loyalty`
      : failure.detail;
  return new GatewayError(code, message, providerDetails(failure));
}

export type ProviderErrorDetails = {
  provider_code: string;
  provider_status?: number;
  retry_after_s?: number;
};

export function providerDetails(failure: ProviderFailure): ProviderErrorDetails {
  return {
    provider_code: failure.code,
    ...(failure.status === undefined ? {} : { provider_status: failure.status }),
    ...(failure.retryAfterMs === undefined ? {} : { retry_after_s: Math.ceil(failure.retryAfterMs / 1000) }),
  };
}
