// The catalogue of stable error codes (STYLE "errors as a catalogue", DESIGN §3): every MQTT error
// response carries one of these; the README documents this table. Never rename a code: tills
// branch on them.

export const ERROR_CODES = {
  invalid_request:
    'The request is not valid JSON, misses `transaction`, or an argument is missing, of the wrong type or out of range (`error.details.fields` names each).',
  unknown_op: 'No operation of that name; see the ops table.',
  transaction_reused: 'This transaction id was already used for a different request.',
  provider_unreachable:
    'The loyalty provider could not be reached in time; an online-only request was not carried out.',
  provider_error: 'The loyalty provider answered with an error the gateway does not know.',
  buffer_full: 'The outbox is at its configured cap; the request was not stored.',
  not_found: 'The customer, code, reward or transaction does not exist.',
  expired: 'The code or reward is expired (a reward may still be redeemed with `override: true`).',
  not_activated: 'The customer has not activated this reward in the app.',
  exhausted: 'The reward has no uses left (may still be redeemed with `override: true`).',
  not_yet_valid: 'The reward is not valid yet.',
  already_redeemed: 'The reward was already redeemed.',
  void_window_closed: 'The redemption can no longer be voided.',
  duplicate_contact: 'The mobile number or e-mail is already enrolled.',
  unavailable:
    'The part of the gateway needed for this request is not running (e.g. no provider configured).',
  internal_error:
    'The gateway failed unexpectedly; nothing was stored. Safe to retry with the same transaction.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error a handler throws to answer a request with a specific code. */
export class GatewayError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}

/**
 * Exit codes of the `edge-gateway` command line: a start that fails says why in its code, so
 * systemd (`RestartPreventExitStatus=`) and a technician's script can tell a taken port from a
 * broken setting without reading the log. The README documents this table.
 */
export const EXIT_CODES = {
  ok: 0,
  failure: 1,
  usage: 2,
  config_invalid: 3,
  port_in_use: 4,
  outbox_too_new: 5,
  outbox_unavailable: 6,
  data_dir_unwritable: 7,
} as const;

export type ExitName = keyof typeof EXIT_CODES;

export const EXIT_MEANINGS: Record<ExitName, string> = {
  ok: 'Done; or the gateway stopped cleanly on SIGTERM/SIGINT.',
  failure:
    'An unexpected failure (the log line `start failed` names the part), or a stop that took longer than 2 s.',
  usage: 'Unknown command or option, or a missing argument.',
  config_invalid:
    'Invalid settings: every problem is listed with its path, the value seen and what is allowed.',
  port_in_use: 'A port the gateway listens on (MQTT, HTTP) is taken by another process.',
  outbox_too_new: 'The outbox database was written by a newer gateway version; refusing to downgrade it.',
  outbox_unavailable: 'The outbox database cannot be opened (disk, permissions, or a damaged file).',
  data_dir_unwritable: 'The data directory cannot be created or written.',
};
