// Activate (DESIGN §2 flow 5): app enrolment, online only. Mobile and e-mail go to the provider and
// nowhere else: not to the outbox, not to a log line.
import type { OpArgs } from '../../mqtt/ops.ts';
import type { RequestContext } from '../../mqtt/requests.ts';
import { providerError } from '../outcomes.ts';
import type { LoyaltyProvider } from '../provider.ts';
import { activationArgs } from '../till-args.ts';

export function activateHandler(provider: LoyaltyProvider) {
  return async (args: OpArgs<'loyalty/activate'>, ctx: RequestContext) => {
    // Validated once, by the router (src/loyalty/till-args.ts): no second check here.
    const outcome = await provider.send(provider.activationRequest(activationArgs(args, ctx.transaction)));
    if (!outcome.ok) throw providerError(outcome);
    return { customer_ref: outcome.data.customerRef };
  };
}
