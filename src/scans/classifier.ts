// Builds the classifier the scan pipeline uses: the device's profile says how its input is read (UID
// reader, magstripe, scanner; validated with the profile), the settings say what loyalty looks like
// (the provider's patterns, the merchant's card prefixes; validated with the config). Both halves
// were checked against the classifier's own schema already, so building cannot fail here.
import {
  type ClassifyOptions,
  classify,
  createClassifyOptions,
  type ReaderSettings,
} from '../classify/index.ts';
import type { Settings } from '../config/schema.ts';
import type { Classifier } from './pipeline.ts';

/** The options for one profile (`classify` block) under the box's loyalty settings. */
export function classifyOptionsFor(
  reader: Partial<ReaderSettings>,
  loyalty: Pick<Settings['loyalty'], 'patterns' | 'card_iin_prefixes'>,
): ClassifyOptions {
  return createClassifyOptions({
    ...reader,
    ...(loyalty.patterns ? { loyaltyPatterns: loyalty.patterns } : {}),
    loyaltyIinPrefixes: loyalty.card_iin_prefixes,
  });
}

export function createClassifier(
  loyalty: Pick<Settings['loyalty'], 'patterns' | 'card_iin_prefixes'>,
  profiles: readonly { id: string; classify: ReaderSettings }[],
): Classifier {
  // Compiled once at start (regexes included). Test scans and unknown sources read as a scanner.
  const base = classifyOptionsFor({}, loyalty);
  const byProfile = new Map(profiles.map((p) => [p.id, classifyOptionsFor(p.classify, loyalty)]));
  return (frame, source) => classify(frame, byProfile.get(source.profile) ?? base);
}
