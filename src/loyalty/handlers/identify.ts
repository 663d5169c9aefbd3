// Identify (DESIGN §2 flow 1): a loyalty code (scanned or typed) → customer and rewards. Online
// only: without the provider there is no answer to give, so the till sells without loyalty.
import { GatewayError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { OpArgs } from '../../mqtt/ops.ts';
import type { Publish } from '../../mqtt/publish.ts';
import type { ScanPipeline } from '../../scans/pipeline.ts';
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

/**
 * After a loyalty scan the customer is looked up at once and published on `loyalty/customer`
 * (DESIGN §2 flow 1), so the till shows rewards before the cashier asks. Returns the unsubscribe.
 */
export function identifyOnScan(
  scans: ScanPipeline,
  provider: LoyaltyProvider,
  publish: Publish,
  log: Logger,
): () => void {
  return scans.onScan((scan) => {
    if (scan.event.kind !== 'loyalty' || !scan.loyaltyToken) return;
    const scanId = scan.event.id;
    identify(provider, scan.loyaltyToken, 'scan')
      .then(
        (data) => publish('loyaltyCustomer', { scan_id: scanId, status: 'ok', ...data }),
        (err: unknown) => {
          if (!(err instanceof GatewayError))
            log.error('identify after scan failed', { scan_id: scanId, error: err });
          const error =
            err instanceof GatewayError
              ? { code: err.code, message: err.message }
              : { code: 'internal_error' as const, message: 'identify failed' };
          return publish('loyaltyCustomer', { scan_id: scanId, status: 'error', rewards: [], error });
        },
      )
      .catch((err) => log.error('loyalty/customer publish failed', { error: err }));
  });
}
