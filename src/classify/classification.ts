// What the classifier answers (DESIGN §3 `scan` payload: `kind`, `symbology`, `aim`, `text`,
// `loyalty`, `warnings`), and the catalogue of warning codes it may add.

import type { LoyaltyMatch } from './loyalty-match.ts';
import type { Uid } from './uid.ts';

export type ClassificationKind = 'loyalty' | 'product' | 'gs1' | 'uid' | 'text' | 'payment_card_rejected';

export interface Classification {
  kind: ClassificationKind;
  /** Symbology name from the AIM id, refined or inferred from content; `magstripe` / `rfid-uid`
   * for profiles that say so; absent for a rejected payment card. */
  symbology?: string;
  aim?: string;
  /** The frame's text as decoded; absent for a rejected payment card. */
  text?: string;
  loyalty?: LoyaltyMatch;
  gs1?: { ais: Record<string, string> };
  /** EAN/UPC: GTIN-14 and the add-on, if any. */
  product?: { gtin: string; addOn?: string };
  uid?: Uid;
  /** Decoder warnings of the frame first, then the classifier's (see `classifyWarnings`). */
  warnings: string[];
}

/** Warning codes the classifier adds, with their meaning (for the README / technician page). */
export const classifyWarnings = {
  foreign_host: 'a URL matched a loyalty pattern but its host is not on the allow-list: not loyalty',
  percent_decoding_invalid: 'a URL carries broken percent-encoding; it was matched undecoded',
  gs1_invalid: 'the AIM announced GS1 but the data is not a valid GS1 element string',
  gs1_separator_missing: 'GS1 without any FNC1/GS: a variable-length field may have swallowed the next ones',
  gs1_check_digit_invalid: 'a GS1 key (GTIN, SSCC, GLN) has a wrong check digit',
  ean_check_digit_invalid: 'the AIM announced EAN/UPC but the digits are not a valid code',
  uid_unparseable: 'a UID reader sent something that is not a UID in the configured format',
  uid_format_ambiguous: 'the UID could be read in more than one format; set uidFormat in the profile',
  random_uid: 'a random UID (4 bytes starting 0x08: payment card, phone) cannot identify anyone',
  msr_read_error: 'the magstripe reader reported read errors on every track',
  control_characters: 'the text contains control characters',
  classify_failed: 'classification failed unexpectedly; the scan is passed on as text',
} as const;

export type ClassifyWarning = keyof typeof classifyWarnings;
