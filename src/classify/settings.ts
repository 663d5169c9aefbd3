// Classification settings (DESIGN §6 profiles, docs/scanners-and-readers.md §5.3, §6.6
// `uid`/`security`): how a device is read (`readerSettingsSchema`, a profile's `classify` block)
// plus what loyalty looks like (`loyaltyPatterns`, `loyaltyIinPrefixes`: the merchant's, from the
// settings file). One zod schema gives types, defaults and (via z.toJSONSchema) the JSON Schema;
// the profile schema and the config schema take their parts from here, so what a profile or a
// config may say is exactly what the classifier accepts. `createClassifyOptions` validates once,
// compiles the regexes once and deep-freezes the result.

import { z } from 'zod';
import { deepFreeze } from '../util/deep-freeze.ts';
import { schemaProblems } from '../util/schema-problems.ts';
import {
  type CompiledLoyaltyPattern,
  compileLoyaltyPatterns,
  defaultLoyaltyPatterns,
  loyaltyPatternsSchema,
} from './loyalty-patterns.ts';
import { namedSchemeOverlapping } from './payment-iin.ts';

const loyaltyIinPrefixSchema = z
  .string()
  .regex(/^[0-9]{2,11}$/, { message: '2–11 digits', abort: true })
  .superRefine((prefix, ctx) => {
    const scheme = namedSchemeOverlapping(prefix);
    if (scheme !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `prefix ${prefix} overlaps the ${scheme} payment range; only ranges inside the Maestro catch-all (50, 56–69) may be exempted`,
      });
    }
  });

/** The merchant's own card prefixes inside the Maestro catch-all (see payment-iin.ts). */
export const loyaltyIinPrefixesSchema = z.array(loyaltyIinPrefixSchema);

export const classifySettingsSchema = z.strictObject({
  treatAs: z
    .enum(['auto', 'uid', 'msr'])
    .default('auto')
    .describe(
      'auto: scanner content; uid: an RFID/NFC UID reader; msr: a magstripe reader (no EAN exemption).',
    ),
  uidFormat: z
    .enum(['auto', 'hex', 'dec10', 'dec8', 'w26', 'dec'])
    .default('auto')
    .describe(
      'What the UID reader types: hex, dec10 (32-bit), dec8 (24-bit), w26 (FFF,NNNNN), dec (any size).',
    ),
  byteOrder: z
    .enum(['msb', 'lsb'])
    .default('msb')
    .describe('lsb for readers that type the UID byte-reversed.'),
  uidCanonical: z
    .enum(['full', 'low32', 'w26'])
    .default('full')
    .describe('Narrow UIDs to a form every reader of the site can produce (low32, or w26 = 24 bits).'),
  rejectRandomUid: z
    .boolean()
    .default(true)
    .describe('Refuse 4-byte UIDs starting 0x08 (random per tap); false only for 125 kHz EM readers.'),
  loyaltyPatterns: loyaltyPatternsSchema
    .default(() => structuredClone([...defaultLoyaltyPatterns]))
    .describe('Loyalty token patterns, tried in order; first match wins.'),
  loyaltyIinPrefixes: loyaltyIinPrefixesSchema
    .default([])
    .describe('Own loyalty card prefixes inside the Maestro catch-all that the payment guard lets through.'),
});

/** What a device profile says about its device: the `classify` block of firmware-config profiles. */
export const readerSettingsSchema = classifySettingsSchema.pick({
  treatAs: true,
  uidFormat: true,
  byteOrder: true,
  uidCanonical: true,
  rejectRandomUid: true,
});

export type ReaderSettings = z.output<typeof readerSettingsSchema>;
export type ClassifySettingsInput = z.input<typeof classifySettingsSchema>;
export type ClassifySettings = z.output<typeof classifySettingsSchema>;

/** Validated, compiled and frozen: build once per profile, pass to every `classify` call. */
export interface ClassifyOptions {
  readonly settings: Readonly<ClassifySettings>;
  readonly patterns: readonly CompiledLoyaltyPattern[];
}

/** Every invalid setting, one line each, worded by the one schema formatter: `path: got value: why`. */
export class ClassifySettingsError extends Error {
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super(`invalid classification settings:\n  ${issues.join('\n  ')}`);
    this.name = 'ClassifySettingsError';
    this.issues = issues;
  }
}

/** Validates settings (throws `ClassifySettingsError` listing every problem) and compiles them. */
export function createClassifyOptions(input: unknown = {}): ClassifyOptions {
  const parsed = classifySettingsSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) {
    throw new ClassifySettingsError(
      schemaProblems(parsed.error.issues, { root: '(settings)' }).map((p) => `${p.path}: ${p.detail}`),
    );
  }
  const settings = deepFreeze(parsed.data);
  return deepFreeze({ settings, patterns: compileLoyaltyPatterns(settings.loyaltyPatterns) });
}
