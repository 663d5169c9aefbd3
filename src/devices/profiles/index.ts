// Device profiles: schema, loader, matching, fixtures (DESIGN §6; data in firmware-config/profiles).

export { type FixtureStep, parseFixture, readFixture } from './fixtures.ts';
export type { ProfileError } from './issues.ts';
export { profileJsonSchema, profileJsonSchemaFile, writeProfileJsonSchema } from './json-schema.ts';
export { defaultProfilesDir, type LoadedProfiles, loadProfiles } from './loader.ts';
export { chooseInterface, type DeviceInfo, matchProfile, type ProfileMatch, specificity } from './match.ts';
export { type ReplayResult, replayFixture } from './replay.ts';
export {
  defaultTransportPreference,
  type ExpectedFrame,
  type Fixture,
  type MatchRule,
  type Profile,
  type ProfileInput,
  profileSchema,
  type ScannerConfig,
  type Transport,
} from './schema.ts';
