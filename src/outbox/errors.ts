// Typed errors of the outbox (STYLE "errors as a catalogue"). Day-to-day refusals (`buffer_full`,
// an invalid job, a dead letter that is not dead) are returned as values, never thrown; only opening a
// store or building a dispatcher with invalid options throws, at start-up, where refusing to run is
// the right answer (STYLE "loud, specific config errors").

export const OUTBOX_ERROR_CODES = {
  buffer_full: 'The outbox holds `maxDepth` undelivered jobs; the new job was not stored (DESIGN §5).',
  invalid_job: 'A job field is missing, of the wrong type or too long; nothing was stored.',
  store_error: 'SQLite refused the write (disk full, I/O error, database closed); nothing was stored.',
  store_unavailable: 'The outbox database could not be opened or migrated.',
  schema_too_new: 'The database was written by a newer gateway version; refusing to downgrade it.',
  invalid_options: 'The outbox or dispatcher options are invalid.',
  not_found: 'No job with that id.',
  not_dead: 'The job is not in the dead-letter list.',
  dependency_failed: 'The job it depends on went to the dead letters or was discarded; it is not sent.',
  delivery_exception: 'The deliver function threw instead of returning an outcome; retried.',
  delivery_timeout: 'The deliver function did not settle in time; retried.',
  invalid_outcome: 'The deliver function returned something that is not a DeliveryOutcome; retried.',
} as const;

export type OutboxErrorCode = keyof typeof OUTBOX_ERROR_CODES;

export class OutboxError extends Error {
  constructor(
    readonly code: OutboxErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OutboxError';
  }
}
