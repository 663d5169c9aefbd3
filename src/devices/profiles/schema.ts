// The device profile: per-model data in firmware-config/profiles/*.json (DESIGN §6, reference §6.5/§6.6).
// One zod schema gives the validation, the TypeScript types, the defaults and the JSON Schema
// (STYLE: never keep the three in sync by hand).

import { z } from 'zod';
import { byteValue, word16Value } from '../framing/byte-values.ts';
import { hidPosShape } from '../framing/hid-pos-options.ts';
import { serialFramingShape } from '../framing/serial-options.ts';
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
  /** Irrelevant for USB-CDC, needed behind RS-232 adapters (reference §3.2). */
  baudRate: z.int().min(300).max(4_000_000).default(9600),
  dataBits: z.union([z.literal(7), z.literal(8)]).default(8),
  parity: z.enum(['none', 'even', 'odd']).default('none'),
  stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
  /** Some scanners send nothing until DTR is set (reference §3.2 [I][?]). */
  assertDtr: z.boolean().default(true),
});

export const hidPosSettingsSchema = z.strictObject(hidPosShape);

const aimId = z.string().regex(/^\][A-Za-z][0-9A-Za-z]$/, 'an AIM id such as "]Q1"');

export const scannerConfigSchema = z
  .strictObject({
    /** Which command dialect the device manager speaks to push `commands` (reference §6.1–§6.4). */
    protocol: z.enum(['honeywell-menu', 'zebra-ssi', 'newland', 'datalogic', 'none']).default('none'),
    /** Volatile first: scanner flash has limited write cycles (Honeywell, reference §6.1). */
    storage: z.enum(['volatile', 'persistent']).default('volatile'),
    /** `manual` by default: several settings re-enumerate the device with a new PID. */
    applyOn: z.enum(['first-connect', 'every-connect', 'manual']).default('manual'),
    /** Tag/subtag/data only; the protocol adds its framing and the storage suffix. */
    commands: z.array(z.string().min(1)).default([]),
    verify: z.array(z.strictObject({ query: z.string().min(1), expect: z.string() })).default([]),
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
    /** For models the host cannot configure: sheets the installer scans. */
    programmingBarcodes: z.array(z.string().min(1)).default([]),
    notes: z.string().optional(),
  })
  .superRefine((cfg, ctx) => {
    if (cfg.protocol === 'none' && (cfg.commands.length > 0 || cfg.verify.length > 0)) {
      ctx.addIssue({ code: 'custom', path: ['protocol'], message: 'commands and verify need a protocol' });
    }
  });

export const expectedFrameSchema = z.strictObject({
  text: z.string(),
  aim: aimId.optional(),
  /** Exactly these warnings, in order; none when omitted. */
  warnings: z.array(z.string()).optional(),
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
    // Open for now: the classifier's settings (payment guard, UID format, treatAs) join later.
    classify: z.record(z.string(), z.unknown()).default({}),
    scannerConfig: scannerConfigSchema.prefault({}),
    tests: z.strictObject({ fixtures: z.array(fixtureSchema).default([]) }).prefault({}),
  })
  .superRefine((profile, ctx) => {
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
export type Profile = z.output<typeof profileSchema>;
export type ProfileInput = z.input<typeof profileSchema>;
