// Codes typed by the cashier (manual identify) or carried by a turnover never pass the scan
// pipeline, so the payment guard is applied here as well: a payment card number is refused before
// it can reach the provider, the outbox on disk or a log line (DESIGN §3,
// docs/scanners-and-readers.md §0 rule 8).
import { isPaymentCard } from '../../classify/index.ts';
import { GatewayError } from '../../errors.ts';

/** `cardPrefixes`: the merchant's own card prefixes (settings `loyalty.card_iin_prefixes`), let
 * through here exactly as on a scan. */
export function refusePaymentCard(code: string | undefined, cardPrefixes: readonly string[]): void {
  if (
    code !== undefined &&
    isPaymentCard({ text: code }, { treatAs: 'auto', loyaltyIinPrefixes: cardPrefixes })
  ) {
    throw new GatewayError(
      'invalid_request',
      'a payment card number is not a loyalty code; nothing was stored',
      {
        reason: 'payment_card',
      },
    );
  }
}
