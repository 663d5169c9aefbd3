// The requests we send the provider (DESIGN §4): each call's path and JSON body, and the
// idempotency key that makes a resent booking safe. Built once per job and stored by the outbox,
// so every retry carries the same bytes.
import { maskToken } from '../log.ts';
import { parseJson } from './http-answers.ts';
import {
  type ActivationArgs,
  argsSchema,
  type Checked,
  checkArgs,
  type LoyaltyProvider,
  type Prepared,
  type ProviderFailure,
  type ProviderRequest,
  type PurchaseArgs,
  type PurchaseReference,
  type RedemptionArgs,
  type ReverseArgs,
  type ReverseCall,
  type VoidArgs,
  type VoidCall,
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
  | 'prepareRedemption'
  | 'prepareVoid'
  | 'prepareReverse'
  | 'prepareActivation'
  | 'purchaseRequest'
  | 'redemptionRequest'
  | 'voidRequest'
  | 'reverseRequest'
  | 'activationRequest'
  | 'keptAfterDelivery'
>;

/** The `prepare*` calls of a provider for this till; `now` fixes a turnover's receipt time. */
export function createRequestBuilder(
  ids: { branchId: string; tillId: string },
  now: () => number,
): RequestBuilder {
  const keyFor = (tx: string) => `${ids.branchId}:${ids.tillId}:${tx}`;

  function request<O extends WriteOp>(
    op: O,
    path: string,
    tx: string,
    body: Record<string, unknown>,
  ): ProviderRequest<O> {
    return { op, method: 'POST', path, body: JSON.stringify(body), idempotencyKey: keyFor(tx) };
  }

  // Each builder takes arguments that meet their `argsSchema` rules (the type says so); the
  // `prepare*` calls below check first.
  const build = {
    purchaseRequest: (a: Checked<PurchaseArgs>) =>
      request('purchase', PATH.purchases, a.transaction, {
        transaction_id: a.transaction,
        receipt_number: a.receiptNumber,
        // Fixed now, so that every retry carries the same bytes (DESIGN §4).
        receipt_datetime: a.receiptDatetime ?? new Date(now()).toISOString(),
        amount: { gross_cents: a.amountCents, currency: a.currency },
        ...(a.customerRef !== undefined ? { customer_ref: a.customerRef } : { code: a.code }),
        redeemed: a.redeemed ?? [],
      }),
    redemptionRequest: (a: Checked<RedemptionArgs>) =>
      request('redemption', PATH.redemptions, a.transaction, {
        transaction_id: a.transaction,
        customer_ref: a.customerRef,
        reward_id: a.rewardId,
        ...(a.override === true ? { override: true } : {}),
      }),
    voidRequest: ({ redemptionId, args }: Checked<VoidCall>) =>
      request('void', PATH.void(redemptionId), args.transaction, { transaction_id: args.transaction }),
    reverseRequest: ({ purchase, args }: Checked<ReverseCall>) => {
      // The provider finds a purchase by its id or by the external transaction key it was booked with.
      const target = typeof purchase === 'string' ? purchase : keyFor(purchase.originalTransaction);
      return request('reverse', PATH.reverse(target), args.transaction, { transaction_id: args.transaction });
    },
    activationRequest: ({ transaction: tx, mobile, email }: Checked<ActivationArgs>) =>
      request('activation', PATH.activate, tx, { transaction_id: tx, mobile, email }),
  };

  const prepared = <T, O extends WriteOp>(
    checked: { ok: true; value: Checked<T> } | ProviderFailure,
    make: (args: Checked<T>) => ProviderRequest<O>,
  ): Prepared<O> => (checked.ok ? { ok: true, request: make(checked.value) } : checked);

  return {
    ...build,
    preparePurchase: (args: PurchaseArgs) =>
      prepared(checkArgs(argsSchema.purchase, args), build.purchaseRequest),
    prepareRedemption: (args: RedemptionArgs) =>
      prepared(checkArgs(argsSchema.redemption, args), build.redemptionRequest),
    prepareVoid: (redemptionId: string, args: VoidArgs) =>
      prepared(checkArgs(argsSchema.void, { redemptionId, args }), build.voidRequest),
    prepareReverse: (purchase: PurchaseReference, args: ReverseArgs) =>
      prepared(checkArgs(argsSchema.reverse, { purchase, args }), build.reverseRequest),
    prepareActivation: (args: ActivationArgs) =>
      prepared(checkArgs(argsSchema.activation, args), build.activationRequest),
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
