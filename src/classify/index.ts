// Scan classification (DESIGN §3 `kind`, §11 `classify/`): payment guard, symbology (AIM),
// loyalty tokens, EAN/UPC and GS1, card UIDs, duplicate window. Pure code: no I/O, no MQTT, no logs.

export { aimPrefixOf, aimPrefixOfBytes, inferSymbology, isGs1Aim, symbologyFromAim } from './aim.ts';
export { eanCheckDigitValid, gs1CheckDigitValid, luhnValid } from './check-digits.ts';
export {
  type Classification,
  type ClassificationKind,
  type ClassifyWarning,
  classifyWarnings,
} from './classification.ts';
export { classify } from './classify.ts';
export {
  createDuplicateFilter,
  type DuplicateFilter,
  type DuplicateFilterOptions,
} from './duplicate-filter.ts';
export { type EanProduct, ean13ToUpcA, expandUpcE, readEanProduct, upcAToEan13 } from './ean-upc.ts';
export { type Frame, frameFromText } from './frame.ts';
export { type Gs1ParseOptions, type Gs1Result, parseGs1 } from './gs1.ts';
export { parseGs1DigitalLink } from './gs1-digital-link.ts';
export { type LoyaltyMatch, matchLoyalty } from './loyalty-match.ts';
export {
  type CompiledLoyaltyPattern,
  compileLoyaltyPatterns,
  defaultLoyaltyPatterns,
  type LoyaltyPattern,
  loyaltyPatternSchema,
  loyaltyPatternsSchema,
} from './loyalty-patterns.ts';
export { isPaymentCard, type PaymentGuardSettings } from './payment-guard.ts';
export { readScannedUrl } from './scanned-url.ts';
export {
  type ClassifyOptions,
  type ClassifySettings,
  ClassifySettingsError,
  type ClassifySettingsInput,
  classifySettingsSchema,
  createClassifyOptions,
  loyaltyIinPrefixesSchema,
  type ReaderSettings,
  readerSettingsSchema,
} from './settings.ts';
export { normaliseUid, type Uid, type UidFormat, type UidResult, type UidSettings } from './uid.ts';
