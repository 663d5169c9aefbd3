// What the classifier answers — the one result type from the classifier to the scan event
// (DESIGN §3 `scan`: `kind`, `symbology`, `aim`, `text`, `loyalty`, `warnings`, plus the details
// `uid`, `gs1`, `product`) — and the catalogue of warning codes it may add. The details are zod
// schemas so that the topic registry builds the scan event's schema from them (src/mqtt/topics.ts):
// what the classifier finds is what the till can read, under the same names.

import { z } from 'zod';
import type { LoyaltyMatch } from './loyalty-match.ts';
import type { ScanWarning } from './warnings.ts';

export const classificationKinds = z.enum([
  'loyalty',
  'product',
  'gs1',
  'uid',
  'text',
  'payment_card_rejected',
]);
export type ClassificationKind = z.output<typeof classificationKinds>;

/** A card UID read by a UID reader, in the canonical form every reader of the site produces. */
export const uidDetailsSchema = z.object({
  /** Upper-case hex MSB first, or `W26:FFF:NNNNN` for 24-bit forms: the identity to look up. */
  canonical: z.string(),
  /** Upper-case hex MSB first of everything the reader delivered (before narrowing). */
  hex: z.string(),
  /** Bits the canonical form carries. */
  bits: z.number().int(),
  /** The format the typed text was read as. */
  format: z.enum(['hex', 'dec10', 'dec8', 'w26', 'dec']),
});

/** GS1 element strings by application identifier, e.g. `{"01": "09506000134352", "10": "ABC"}`. */
export const gs1DetailsSchema = z.object({ ais: z.record(z.string(), z.string()) });

/** EAN/UPC: the GTIN-14 and the 2- or 5-digit add-on, if any. */
export const productDetailsSchema = z.object({ gtin: z.string(), add_on: z.string().optional() });

export type UidDetails = z.output<typeof uidDetailsSchema>;
export type Gs1Details = z.output<typeof gs1DetailsSchema>;
export type ProductDetails = z.output<typeof productDetailsSchema>;

export interface Classification {
  kind: ClassificationKind;
  /** Symbology name from the AIM id, refined or inferred from content; `magstripe` / `rfid-uid`
   * for profiles that say so; absent for a rejected payment card. */
  symbology?: string;
  aim?: string;
  /** The frame's text as decoded; absent for a rejected payment card. */
  text?: string;
  /** The token in clear: it stays in memory (identify); the scan event carries it masked. */
  loyalty?: LoyaltyMatch;
  gs1?: Gs1Details;
  product?: ProductDetails;
  uid?: UidDetails;
  /** Decoder warnings of the frame first, then the classifier's (warnings.ts). */
  warnings: ScanWarning[];
}

// The warning codes (the classifier's and the decoders') live in warnings.ts, with their meanings.
export { type ClassifyWarning, classifyWarnings, type ScanWarning } from './warnings.ts';
