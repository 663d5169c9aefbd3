// Builds the classifier the scan pipeline uses: the device's profile decides how its input is read
// (UID reader, magstripe, scanner), the settings give the provider's loyalty patterns.

import { type ClassifyOptions, classify, createClassifyOptions } from '../classify/index.ts';
import type { Settings } from '../config/schema.ts';
import type { Profile } from '../devices/profiles/index.ts';
import type { Logger } from '../log.ts';
import type { Classifier } from './pipeline.ts';

export function createClassifier(settings: Settings, profiles: readonly Profile[], log: Logger): Classifier {
  const patterns = settings.loyalty.patterns ? { loyaltyPatterns: settings.loyalty.patterns } : {};
  const base = createClassifyOptions(patterns);
  // Compiled once at start (regexes included); a profile whose classify settings are invalid is
  // named and read with the base settings rather than taking the whole box down.
  const byProfile = new Map<string, ClassifyOptions>();
  for (const profile of profiles) {
    try {
      byProfile.set(profile.id, createClassifyOptions({ ...patterns, ...profile.classify }));
    } catch (err) {
      log.error('profile classify settings invalid', { profile: profile.id, error: err });
    }
  }
  return (frame, source) => classify(frame, byProfile.get(source.profile) ?? base);
}
