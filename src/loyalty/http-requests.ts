// The requests we send the provider (DESIGN §4): each call's path and JSON body, and the
// idempotency key that makes a resent booking safe. Built once per job and stored by the outbox,
// so every retry carries the same bytes.
import { maskToken } from '../log.ts';
import { parseJson } from './http-answers.ts';
import {
  type ActivationArgs,
  argsSchema,
  checkArgs,
  type LoyaltyProvider,
  type Prepared,
  type ProviderRequest,
  type PurchaseArgs,
  type PurchaseReference,
  type RedemptionArgs,
  type ReverseArgs,
  type VoidArgs,
  type WriteOp,
} from './provider.ts';

export const PATH = {
  lookup: '/api/v1/pos/customers/lookup',
  purchases: '/api/v1/pos/purchases',
  reverse: (id: string) => `/api/v1/pos/purchases/${encodeURIComponent(id)}/reverse`,
  redemptions: '/api/v1/pos/redemptions',
  void: (id: string) => `/api/v1/pos/redemptions/${encodeURIComponent(id)}/void`,
  activate: '/api/v1/pos/customers/activate',
} as const;

export type RequestBuilder = Pick<
  LoyaltyProvider,
  | 'preparePurchase'
  | 'purchaseRequest'
  | 'prepareRedemption'
  | 'prepareVoid'
  | 'prepareReverse'
  | 'prepareActivation'
  | 'keptAfterDelivery'
>;

/** The `prepare*` calls of a provider for this till; `now` fixes a turnover's receipt time. */
export function createRequestBuilder(
  ids: { branchId: string; tillId: string },
  now: () => number,
): RequestBuilder {
  const keyFor = (tx: string) => `${ids.branchId}:${ids.tillId}:${tx}`;

  function prepared<O extends WriteOp>(
    op: O,
    path: string,
    tx: string,
    body: Record<string, unknown>,
  ): Prepared<O> & { ok: true } {
    const request: ProviderRequest<O> = {
      op,
      method: 'POST',
      path,
      body: JSON.stringify(body),
      idempotencyKey: keyFor(tx),
    };
    return { ok: true, request };
  }

  function purchaseRequest(a: PurchaseArgs) {
    return prepared('purchase', PATH.purchases, a.transaction, {
      transaction_id: a.transaction,
      receipt_number: a.receiptNumber,
      // Fixed now, so that every retry carries the same bytes (DESIGN §4).
      receipt_datetime: a.receiptDatetime ?? new Date(now()).toISOString(),
      amount: { gross_cents: a.amountCents, currency: a.currency },
      ...(a.customerRef !== undefined ? { customer_ref: a.customerRef } : { code: a.code }),
      redeemed: a.redeemed ?? [],
    }).request;
  }

  return {
    preparePurchase(args: PurchaseArgs) {
      const p = checkArgs(argsSchema.purchase, args);
      return p.ok ? { ok: true, request: purchaseRequest(p.value) } : p;
    },
    purchaseRequest,
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
  };
}
