// Provider failures → the till's stable error codes (DESIGN §3). The provider adapter speaks the
// provider's catalogue; the till only ever sees codes from src/errors.ts.
import { type ErrorCode, GatewayError } from '../errors.ts';
import type { ProviderFailure } from './provider.ts';

const FINAL: Record<string, ErrorCode> = {
  customer_not_found: 'not_found',
  reward_not_found: 'not_found',
  purchase_not_found: 'not_found',
  redemption_not_found: 'not_found',
  not_found: 'not_found',
  code_expired: 'expired',
  expired: 'expired',
  exhausted: 'exhausted',
  not_activated: 'not_activated',
  not_yet_valid: 'not_yet_valid',
  already_redeemed: 'already_redeemed',
  void_window_closed: 'void_window_closed',
  duplicate_contact: 'duplicate_contact',
  invalid: 'invalid_request',
};

export function tillCode(failure: ProviderFailure): ErrorCode {
  if (failure.retryable) return 'provider_unreachable';
  return FINAL[failure.code] ?? 'provider_error';
}

/** The error a handler throws for a provider failure; the detail is the provider's own reason. */
export function providerError(failure: ProviderFailure): GatewayError {
  const code = tillCode(failure);
  const message =
    code === 'provider_unreachable'
      ? `the loyalty provider could not be reached (${failure.code}); try again or continue without loyalty`
      : failure.detail;
  return new GatewayError(code, message, { provider_code: failure.code });
}
