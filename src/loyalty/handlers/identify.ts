// Identify (DESIGN §2 flow 1): a loyalty code (scanned or typed) → customer and rewards. Online
// only: without the provider there is no answer to give, so the till sells without loyalty.
import { GatewayError } from '../../errors.ts';
import type { OpArgs } from '../../mqtt/ops.ts';
import { providerError } from '../outcomes.ts';
import type { Entry, LoyaltyProvider } from '../provider.ts';
import { tillCustomer } from '../till-payloads.ts';
import { refusePaymentCard } from './card-guard.ts';

export async function identify(provider: LoyaltyProvider, code: string, entry: Entry) {
  const outcome = await provider.lookup(code, entry);
  if (!outcome.ok) throw providerError(outcome);
  return tillCustomer(outcome.data);
}

export function identifyHandler(provider: LoyaltyProvider, cardPrefixes: readonly string[]) {
  return (args: OpArgs<'loyalty/identify'>) => {
    const code = args.code.trim();
    if (!code) throw new GatewayError('invalid_request', 'code is empty');
    refusePaymentCard(code, cardPrefixes);
    return identify(provider, code, args.entry);
  };
}
