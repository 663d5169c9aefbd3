// The one request/response envelope (DESIGN §3, STYLE "one envelope"): requests are
// `{transaction, ...args}`; responses `{transaction, status, data, error?:{code, message}}`.
// Parsing never throws: every malformed payload becomes an error the router answers.
import type { ErrorCode } from '../errors.ts';
import { KEY_PART, KEY_PART_RULE } from '../loyalty/provider.ts';
import { formatSchemaProblems, schemaProblems } from '../util/schema-problems.ts';
import { isOpName, KEYED_OPS, type OpName, opParser, type Transaction, transactionSchema } from './ops.ts';
import type { ResponseEnvelope } from './topics.ts';

export type ParsedRequest =
  | { ok: true; op: OpName; transaction: Transaction; args: Record<string, unknown> }
  | {
      ok: false;
      transaction: Transaction | null;
      code: ErrorCode;
      message: string;
      details?: Record<string, unknown>;
    };

export function parseRequest(op: string, payload: Buffer, maxBytes: number): ParsedRequest {
  if (payload.length > maxBytes) {
    return fail(null, 'invalid_request', `payload of ${payload.length} bytes exceeds ${maxBytes}`, {
      reason: 'too_large',
    });
  }
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    return fail(null, 'invalid_request', 'payload is not valid JSON', { reason: 'invalid_json' });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return fail(null, 'invalid_request', 'payload must be a JSON object', { reason: 'not_object' });
  }
  const request = body as Record<string, unknown>;
  const rawTx = request.transaction;
  // Echo a usable transaction even when other fields are bad, so the till can match the answer.
  const transaction = plainTransaction(rawTx) ? rawTx : transactionSchema.safeParse(rawTx).data;
  if (transaction === undefined) {
    return fail(null, 'invalid_request', 'transaction is required: a string (1-128 chars) or an integer', {
      reason: 'schema',
      fields: { transaction: rawTx === undefined ? 'missing' : 'invalid' },
    });
  }
  if (!isOpName(op)) return fail(transaction, 'unknown_op', `unknown operation '${op}'`);
  if (typeof transaction === 'string' && KEYED_OPS.has(op) && !KEY_PART.test(transaction)) {
    return fail(transaction, 'invalid_request', `transaction must be ${KEY_PART_RULE} for ${op}`, {
      reason: 'schema',
      fields: { transaction: 'invalid' },
    });
  }
  // The op schemas are plain objects, which drop keys they do not name: `transaction` among them,
  // so the body is parsed as it came, without a copy that leaves it out.
  const args = opParser(op).safeParse(request);
  if (!args.success) {
    // A till's arguments may carry a card number or contact data: the answer names each field and
    // what is allowed, and only the kind of value seen, never its content.
    const problems = schemaProblems(args.error.issues, { input: request, values: 'kind', root: '(args)' });
    const fields = Object.fromEntries(problems.map((p) => [p.path, p.detail]));
    return fail(transaction, 'invalid_request', `invalid arguments: ${formatSchemaProblems(problems)}`, {
      reason: 'schema',
      fields,
    });
  }
  return { ok: true, op, transaction, args: args.data as Record<string, unknown> };
}

/**
 * A transaction the schema surely accepts, told without running it (every request pays for the
 * union's parse, issue 7 item 5): a string of 1-128 UTF-16 units is 1-128 code points, as zod counts
 * them, and a safe integer ≥ 0 is inside the number rule. Anything else goes to the schema itself.
 */
function plainTransaction(tx: unknown): tx is Transaction {
  if (typeof tx === 'string') return tx.length >= 1 && tx.length <= 128;
  return Number.isSafeInteger(tx) && (tx as number) >= 0;
}

function fail(
  transaction: Transaction | null,
  code: ErrorCode,
  message: string,
  details?: Record<string, unknown>,
): ParsedRequest {
  return { ok: false, transaction, code, message, details };
}

export function okResponse(transaction: Transaction | null, data: unknown): ResponseEnvelope {
  return { transaction, status: 'ok', data: data ?? null };
}

export function errorResponse(
  transaction: Transaction | null,
  code: ErrorCode,
  message: string,
  details?: Record<string, unknown>,
): ResponseEnvelope {
  return {
    transaction,
    status: 'error',
    data: null,
    error: details ? { code, message, details } : { code, message },
  };
}
