// Reverse and void (DESIGN §2 flow 4): stornos are queued like turnover and never sent before the
// booking they cancel — the outbox's `dependsOn` holds a reverse back until its turnover is
// delivered, and the same FIFO lane keeps a customer's requests in order.
import type { OpArgs } from '../../mqtt/ops.ts';
import type { RequestContext } from '../../mqtt/requests.ts';
import type { OutboxStore } from '../../outbox/store.ts';
import { providerError } from '../outcomes.ts';
import type { LoyaltyProvider, PurchaseReference, WriteResults } from '../provider.ts';
import type { Queue } from './queue.ts';

export function reverseHandler(provider: LoyaltyProvider, queue: Queue, store: OutboxStore) {
  return (args: OpArgs<'loyalty/reverse'>, ctx: RequestContext) => {
    const key = String(ctx.transaction);
    const original = store.get(String(args.original_transaction));
    // Once booked, the provider's purchase id is known; while queued, the till transaction names it.
    const delivered =
      original?.state === 'delivered' && original.result
        ? (JSON.parse(original.result) as WriteResults['purchase'])
        : undefined;
    const purchase: PurchaseReference = delivered?.purchaseId ?? {
      originalTransaction: String(args.original_transaction),
    };
    const prepared = provider.prepareReverse(purchase, { transaction: key });
    if (!prepared.ok) throw providerError(prepared);
    return (
      queue.known(key, prepared.request) ??
      queue.enqueue({
        key,
        kind: 'reverse',
        orderKey: original?.orderKey ?? `reverse:${String(args.original_transaction)}`,
        request: prepared.request,
        dependsOn: original && original.state !== 'delivered' ? original.key : undefined,
      })
    );
  };
}

export function voidHandler(provider: LoyaltyProvider, queue: Queue, store: OutboxStore) {
  return (args: OpArgs<'loyalty/void_redemption'>, ctx: RequestContext) => {
    const key = String(ctx.transaction);
    const prepared = provider.prepareVoid(args.redemption_id, { transaction: key });
    if (!prepared.ok) throw providerError(prepared);
    // A redemption queued under the `queue` policy is found by its transaction id.
    const queuedRedeem = store.get(args.redemption_id);
    return (
      queue.known(key, prepared.request) ??
      queue.enqueue({
        key,
        kind: 'void_redemption',
        orderKey: queuedRedeem?.orderKey ?? `redemption:${args.redemption_id}`,
        request: prepared.request,
        dependsOn: queuedRedeem && queuedRedeem.state !== 'delivered' ? queuedRedeem.key : undefined,
      })
    );
  };
}
