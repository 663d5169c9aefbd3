// Reverse and void (DESIGN §2 flow 4): stornos are queued like turnover and never sent before the
// booking they cancel — the outbox's `dependsOn` holds a reverse back until its turnover is
// delivered, and the same FIFO lane keeps a customer's requests in order.
import type { OpArgs } from '../../mqtt/ops.ts';
import type { RequestContext } from '../../mqtt/requests.ts';
import type { OutboxStore } from '../../outbox/store.ts';
import { providerError } from '../outcomes.ts';
import type { LoyaltyProvider, Prepared, WriteResults } from '../provider.ts';
import { reverseByTransaction, voidCall } from '../till-args.ts';
import type { Queue } from './queue.ts';

export function reverseHandler(provider: LoyaltyProvider, queue: Queue, store: OutboxStore) {
  return (args: OpArgs<'loyalty/reverse'>, ctx: RequestContext) => {
    const key = String(ctx.transaction);
    const original = store.get(String(args.original_transaction));
    const delivered =
      original?.state === 'delivered' && original.result
        ? (JSON.parse(original.result) as WriteResults['purchase'])
        : undefined;
    // Once booked, the provider's purchase id is known; while queued, the till transaction names it.
    // The till's part was validated by the router (src/loyalty/till-args.ts); an id the provider
    // gave never met a till schema, so a reverse by id is checked here.
    const prepared: Prepared<'reverse'> = delivered
      ? provider.prepareReverse(delivered.purchaseId, { transaction: key })
      : { ok: true, request: provider.reverseRequest(reverseByTransaction(args, ctx.transaction)) };
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
    // Validated once, by the router (src/loyalty/till-args.ts): no second check here.
    const request = provider.voidRequest(voidCall(args, ctx.transaction));
    // A redemption queued under the `queue` policy is found by its transaction id.
    const queuedRedeem = store.get(args.redemption_id);
    return (
      queue.known(key, request) ??
      queue.enqueue({
        key,
        kind: 'void_redemption',
        orderKey: queuedRedeem?.orderKey ?? `redemption:${args.redemption_id}`,
        request,
        dependsOn: queuedRedeem && queuedRedeem.state !== 'delivered' ? queuedRedeem.key : undefined,
      })
    );
  };
}
