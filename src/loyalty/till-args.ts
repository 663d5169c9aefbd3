// A till's request as the provider's arguments. The router has validated it against its op schema
// (src/mqtt/ops.ts), which holds every rule of the provider's `argsSchema` for these arguments, so
// they are marked checked here and the provider does not check them again: each write is
// validated once. test/loyalty/op-args.test.ts holds every conversion here to that (whatever the
// router accepts, the provider's schema accepts too); a till rule looser than the provider's fails it.
// They take `WriteOpArgs`: each sends the till's transaction as the Idempotency-Key, which the
// router has checked to be a key part for exactly the writes of src/mqtt/ops.ts.
import type { Transaction, WriteOpArgs } from '../mqtt/ops.ts';
import {
  type ActivationArgs,
  assumeChecked,
  type Checked,
  type PurchaseArgs,
  type RedemptionArgs,
  type ReverseCall,
  type VoidCall,
} from './provider.ts';

export function purchaseArgs(
  args: WriteOpArgs<'loyalty/turnover'>,
  transaction: Transaction,
): Checked<PurchaseArgs> {
  return assumeChecked({
    transaction: String(transaction),
    receiptNumber: args.receipt_number,
    amountCents: args.amount_cents,
    currency: args.currency,
    receiptDatetime: args.receipt_datetime,
    customerRef: args.customer_ref,
    code: args.customer_ref === undefined ? args.code : undefined,
    redeemed: args.redeemed,
  });
}

export function redemptionArgs(
  args: WriteOpArgs<'loyalty/redeem'>,
  transaction: Transaction,
): Checked<RedemptionArgs> {
  return assumeChecked({
    transaction: String(transaction),
    customerRef: args.customer_ref,
    rewardId: args.reward_id,
    override: args.override,
  });
}

export function voidCall(
  args: WriteOpArgs<'loyalty/void_redemption'>,
  transaction: Transaction,
): Checked<VoidCall> {
  return assumeChecked({ redemptionId: args.redemption_id, args: { transaction: String(transaction) } });
}

/**
 * A reverse of the purchase the till booked under `original_transaction`. Only while the provider's
 * purchase id is unknown: an id the provider gave was never seen by a till schema, so a reverse by
 * id goes through `prepareReverse`, which checks it (src/loyalty/handlers/storno.ts).
 */
export function reverseByTransaction(
  args: WriteOpArgs<'loyalty/reverse'>,
  transaction: Transaction,
): Checked<ReverseCall> {
  return assumeChecked({
    purchase: { originalTransaction: String(args.original_transaction) },
    args: { transaction: String(transaction) },
  });
}

export function activationArgs(
  args: WriteOpArgs<'loyalty/activate'>,
  transaction: Transaction,
): Checked<ActivationArgs> {
  return assumeChecked({ transaction: String(transaction), mobile: args.mobile, email: args.email });
}
