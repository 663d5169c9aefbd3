// Request bodies of the provider API as the simulator accepts them (DESIGN §4 table). A refusal is
// 422 `invalid` with a detail naming the field, never the value (it may be a mobile number).

import { z } from 'zod';
import { schemaErrorText } from '../../util/schema-problems.ts';

const id = z.string().min(1).max(128);
const transactionId = z.string().min(1).max(128);

export const lookupQuery = z.object({
  code: z.string().min(1).max(512),
  entry: z.enum(['scan', 'manual']),
});

export const purchaseBody = z
  .object({
    transaction_id: transactionId,
    receipt_number: z.string().min(1).max(64),
    receipt_datetime: z.iso.datetime({ offset: true }),
    amount: z.object({
      gross_cents: z.number().int().min(0).max(100_000_000),
      currency: z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code'),
    }),
    customer_ref: id.optional(),
    code: z.string().min(1).max(512).optional(),
    redeemed: z.array(id).max(100).optional(),
  })
  .refine((b) => b.customer_ref !== undefined || b.code !== undefined, {
    path: ['customer_ref'],
    message: 'customer_ref or code is required',
  });

export const redemptionBody = z.object({
  transaction_id: transactionId,
  customer_ref: id,
  reward_id: id,
  override: z.boolean().optional(),
});

export const transactionBody = z.object({ transaction_id: transactionId });

export const activationBody = z.object({
  transaction_id: transactionId,
  mobile: z.string().regex(/^\+?[0-9][0-9 ]{5,19}$/, 'a phone number'),
  email: z.email().max(254),
});

export type PurchaseBody = z.infer<typeof purchaseBody>;
export type RedemptionBody = z.infer<typeof redemptionBody>;
export type TransactionBody = z.infer<typeof transactionBody>;
export type ActivationBody = z.infer<typeof activationBody>;

export interface SimAnswer {
  status: number;
  body: unknown;
}

export function problem(status: number, code: string, detail: string): SimAnswer {
  return { status, body: { detail, code } };
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; answer: SimAnswer };

/** JSON text → validated body, or the 422 that explains which field is wrong. */
export function parseBody<T>(schema: z.ZodType<T>, text: string): Parsed<T> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, answer: problem(422, 'invalid', 'body: not valid JSON') };
  }
  return validate(schema, json);
}

export function validate<T>(schema: z.ZodType<T>, input: unknown): Parsed<T> {
  const r = schema.safeParse(input);
  if (r.success) return { ok: true, value: r.data };
  const detail = schemaErrorText(r.error, { input, values: 'kind', root: 'body' });
  return { ok: false, answer: problem(422, 'invalid', detail) };
}
