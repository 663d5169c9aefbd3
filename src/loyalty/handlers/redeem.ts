// Redeem (DESIGN §2 flow 2): online only by default — a redemption the provider did not confirm is
// refused with `provider_unreachable` so the till sells without the discount. With
// `outbox.redeem_policy: queue` it is queued instead and answered `{state: "queued"}`.
import type { OpArgs } from '../../mqtt/ops.ts';
import type { RequestContext } from '../../mqtt/requests.ts';
import { providerError } from '../outcomes.ts';
import type { LoyaltyProvider } from '../provider.ts';
import { redemptionArgs } from '../till-args.ts';
import { tillValue } from '../till-payloads.ts';
import type { Queue } from './queue.ts';

export function redeemHandler(provider: LoyaltyProvider, queue: Queue, policy: 'online_only' | 'queue') {
  return async (args: OpArgs<'loyalty/redeem'>, ctx: RequestContext) => {
    // Validated once, by the router (src/loyalty/till-args.ts): no second check here.
    const request = provider.redemptionRequest(redemptionArgs(args, ctx.transaction));
    const key = String(ctx.transaction);
    // The same idempotency key either way: a redemption queued earlier under this transaction is
    // answered from the outbox, never sent twice.
    const known = queue.known(key, request);
    if (known) return known;
    const outcome = await provider.send(request);
    if (outcome.ok) {
      return { redemption_id: outcome.data.redemptionId, discount: tillValue(outcome.data.discount) };
    }
    if (outcome.retryable && policy === 'queue') {
      return queue.enqueue({
        key,
        kind: 'redeem',
        orderKey: args.customer_ref,
        request,
      });
    }
    throw providerError(outcome);
  };
}
