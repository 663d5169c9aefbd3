// The device profile: per-model data in firmware-config/profiles/*.json (DESIGN §6,
// docs/scanners-and-readers.md §6.5/§6.6). One zod schema gives the validation, the TypeScript
// types, the defaults and the JSON Schema (STYLE: never keep the three in sync by hand).

import { z } from 'zod';
import { classificationKinds } from '../../classify/classification.ts';
import { readerSettingsSchema } from '../../classify/settings.ts';
import { DECODER_WARNING_CODES, SCAN_WARNING_CODES } from '../../classify/warnings.ts';
import { byteValue, word16Value } from '../framing/byte-values.ts';
import { hidPosShape } from '../framing/hid-pos-options.ts';
import { serialFramingShape, serialLineShape } from '../framing/serial-options.ts';
import { keyboardDecoderSettingsSchema } from '../keyboard/settings.ts';
import type { TransportKind } from '../types.ts';

export const transportSchema = z.enum(['hid-pos', 'serial', 'hid-keyboard']);
// The profile names transports exactly as the drivers do (src/devices/types.ts).
type SameAs<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const transportsAgree: SameAs<z.output<typeof transportSchema>, TransportKind> = true;
void transportsAgree;

/** DESIGN §6: HID POS, then serial/CDC, then keyboard wedge (the lossy one) last. */
export const defaultTransportPreference: TransportKind[] = ['hid-pos', 'serial', 'hid-keyboard'];

/** Matched case-insensitively: product strings vary in case between firmware versions. */
const regexString = z
  .string()
  .min(1)
  .superRefine((source, ctx) => {
    try {
      new RegExp(source, 'i');
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `not a valid regular expression (${(err as Error).message})` });
    }
  });

export const matchRuleSchema = z
  .strictObject({
    transport: transportSchema,
    vendorId: word16Value.optional(),
    productId: word16Value.optional(),
    /** HID only: top-level collection usage page / usage (0x8C/0x02 = HID POS scanner, 1/6 = keyboard). */
    usagePage: word16Value.optional(),
    usage: word16Value.optional(),
    /** USB interface number (composite devices; the libusb backend has no usage page). */
    interface: z.int().min(0).max(255).optional(),
    productRegex: regexString.optional(),
    manufacturerRegex: regexString.optional(),
    /** Serial only in practice: e.g. `^/dev/tty(ACM|USB)[0-9]+$` keeps the Pi's own UARTs out. */
    pathRegex: regexString.optional(),
    notes: z.string().optional(),
  })
  .superRefine((rule, ctx) => {
    if (rule.productId !== undefined && rule.vendorId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['productId'], message: 'a productId needs a vendorId' });
    }
  });

export const serialSettingsSchema = z.strictObject({
  ...serialFramingShape,
  ...serialLineShape,
});

export const hidPosSettingsSchema = z.strictObject(hidPosShape);

const aimId = z.string().regex(/^\][A-Za-z][0-9A-Za-z]$/, 'an AIM id such as "]Q1"');

// What the gateway does to the scanner itself. Only what it really sends is a setting: the feature
// reports of `hostInit`. Scanner-side settings the technician applies by hand (programming barcodes,
// the vendor's tool, menu commands) are described in `notes`; the gateway pushes no commands, so no
// field here may suggest it does.
export const scannerConfigSchema = z.strictObject({
  /** Reports the host sends on open, e.g. Honeywell's `[0xFE, 0x01]` keyboard→HID POS redirect. */
  hostInit: z
    .array(
      z.strictObject({
        transport: transportSchema,
        featureReport: z.array(byteValue).min(1).max(64),
        /** Firmware without the report answers with an error; carry on with the transport as is. */
        ignoreError: z.boolean().default(false),
        notes: z.string().optional(),
      }),
    )
    .default([]),
  /** What to set on the scanner by hand (programming barcodes, menu commands) and why. */
  notes: z.string().optional(),
});

/** What the classifier makes of a frame with this profile's `classify` settings and the default
 * loyalty settings; every frame of a reader profile (msr, rfid, nfc) says it. */
export const expectedScanSchema = z.strictObject({
  kind: classificationKinds,
  symbology: z.string().optional(),
  /** `uid` (and loyalty by UID): the canonical UID, the identity every reader of the site yields. */
  uid: z.string().optional(),
  /** `loyalty`: the token in clear, as identify sends it to the provider. */
  token: z.string().optional(),
  /** `product`: the GTIN-14. */
  gtin: z.string().optional(),
  /** The scan's warnings (the frame's, then the classifier's), exactly; none when omitted. */
  warnings: z.array(z.enum(SCAN_WARNING_CODES)).optional(),
});

export const expectedFrameSchema = z.strictObject({
  text: z.string(),
  aim: aimId.optional(),
  /** Exactly these warnings, in order; none when omitted. */
  warnings: z.array(z.enum(DECODER_WARNING_CODES)).optional(),
  scan: expectedScanSchema.optional(),
});

export const fixtureSchema = z.strictObject({
  /** Relative to the profiles directory: `fixtures/<profile>/<name>.hex`. */
  file: z
    .string()
    .regex(/^(?!.*\.\.)[A-Za-z0-9._/-]+\.hex$/, 'a relative path such as "fixtures/zebra/ean13.hex"'),
  transport: transportSchema,
  description: z.string().optional(),
  expect: z.strictObject({
    frames: z.array(expectedFrameSchema).default([]),
    /** Problem codes the framer must report, in order. */
    problems: z.array(z.string()).default([]),
  }),
});

const TREAT_AS_OF_KIND = { scanner: 'auto', msr: 'msr', rfid: 'uid', nfc: 'uid' } as const;

export const profileSchema = z
  .strictObject({
    /** Editor hint (`../profile.schema.json`); ignored. */
    $schema: z.string().optional(),
    schemaVersion: z.literal(1).default(1),
    id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'kebab-case: lower-case letters, digits, single dashes'),
    name: z.string().min(1),
    vendor: z.string().optional(),
    kind: z.enum(['scanner', 'msr', 'rfid', 'nfc']),
    /** Generic catch-all profiles lose every tie against a model profile. */
    fallback: z.boolean().default(false),
    notes: z.string().optional(),
    match: z.array(matchRuleSchema).min(1),
    /** Preference order among the transports this model offers. */
    transports: z.array(transportSchema).min(1).default(defaultTransportPreference),
    /** Keyboard-wedge decoder settings (layout, suffix, timeouts), validated by the decoder's schema. */
    keyboard: keyboardDecoderSettingsSchema.prefault({}),
    serial: serialSettingsSchema.prefault({}),
    hidPos: hidPosSettingsSchema.prefault({}),
    /** How the classifier reads this device (UID format, byte order, magstripe): its own schema. */
    classify: readerSettingsSchema.prefault({}),
    scannerConfig: scannerConfigSchema.prefault({}),
    tests: z.strictObject({ fixtures: z.array(fixtureSchema).default([]) }).prefault({}),
  })
  .superRefine((profile, ctx) => {
    // A card reader read as a scanner never publishes `uid` and loses the magstripe guard (the
    // symptom of issue 7): the kind says how the classifier must read the device.
    const treatAs = TREAT_AS_OF_KIND[profile.kind];
    if (profile.classify.treatAs !== treatAs) {
      ctx.addIssue({
        code: 'custom',
        path: ['classify', 'treatAs'],
        input: profile.classify.treatAs,
        message: `a profile of kind "${profile.kind}" is read with treatAs "${treatAs}"`,
      });
    }
    const offered = new Set(profile.transports);
    if (offered.size !== profile.transports.length) {
      ctx.addIssue({ code: 'custom', path: ['transports'], message: 'lists a transport twice' });
    }
    profile.match.forEach((rule, i) => {
      if (!offered.has(rule.transport)) {
        ctx.addIssue({
          code: 'custom',
          path: ['match', i, 'transport'],
          message: `"${rule.transport}" is not in transports [${profile.transports.join(', ')}]`,
        });
      }
    });
  })
  .meta({
    title: 'Till edge gateway device profile',
    description: 'Match rules, transport, decoder and framing settings, scanner-side settings and fixtures.',
  });

export type Transport = z.output<typeof transportSchema>;
export type MatchRule = z.output<typeof matchRuleSchema>;
export type SerialSettings = z.output<typeof serialSettingsSchema>;
export type HidPosProfileSettings = z.output<typeof hidPosSettingsSchema>;
export type ScannerConfig = z.output<typeof scannerConfigSchema>;
export type Fixture = z.output<typeof fixtureSchema>;
export type ExpectedFrame = z.output<typeof expectedFrameSchema>;
export type ExpectedScan = z.output<typeof expectedScanSchema>;
export type Profile = z.output<typeof profileSchema>;
export type ProfileInput = z.input<typeof profileSchema>;
