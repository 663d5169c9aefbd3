// Turnover (DESIGN §2 flow 3): always accepted — `booked` when the provider confirms within the
// booking window, else `queued` once durably stored; never ok before it is durable. A sale whose
// customer could not be identified offline carries the scanned code instead of a customer ref.
import { maskToken } from '../../log.ts';
import type { OpArgs } from '../../mqtt/ops.ts';
import type { RequestContext } from '../../mqtt/requests.ts';
import type { LoyaltyProvider } from '../provider.ts';
import { purchaseArgs } from '../till-args.ts';
import { refusePaymentCard } from './card-guard.ts';
import type { Queue } from './queue.ts';

export function turnoverHandler(provider: LoyaltyProvider, queue: Queue, cardPrefixes: readonly string[]) {
  return (args: OpArgs<'loyalty/turnover'>, ctx: RequestContext) => {
    refusePaymentCard(args.code, cardPrefixes);
    // Validated once, by the router against the till's turnover schema, which holds the provider's
    // argument rules as well (src/loyalty/till-args.ts): no second check here.
    const request = provider.purchaseRequest(purchaseArgs(args, ctx.transaction));
    // A transaction the outbox already holds is answered from there (enqueue finds it by its key).
    return queue.enqueue({
      key: String(ctx.transaction),
      kind: 'turnover',
      // Per-customer FIFO (DESIGN §5): a customer's bookings and stornos keep their order. A code
      // lane is named by the masked code: the lane outlives delivery in the row, the token must not
      // (DESIGN §2); two codes that share their last characters merely share a lane.
      orderKey: args.customer_ref ?? `code:${maskToken(args.code ?? '')}`,
      request,
    });
  };
}
