// Activate (DESIGN §2 flow 5): app enrolment, online only. Mobile and e-mail go to the provider and
// nowhere else: not to the outbox, not to a log line.
import type { OpArgs } from '../../mqtt/ops.ts';
import type { RequestContext } from '../../mqtt/requests.ts';
import { providerError } from '../outcomes.ts';
import type { LoyaltyProvider } from '../provider.ts';

export function activateHandler(provider: LoyaltyProvider) {
  return async (args: OpArgs<'loyalty/activate'>, ctx: RequestContext) => {
    const outcome = await provider.activate({
      transaction: String(ctx.transaction),
      mobile: args.mobile,
      email: args.email,
    });
    if (!outcome.ok) throw providerError(outcome);
    return { customer_ref: outcome.data.customerRef };
  };
}
