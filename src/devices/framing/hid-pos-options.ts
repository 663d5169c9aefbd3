// Settings of the HID POS (usage page 0x8C) scanned-data report. Field offsets differ between vendors
// and are not in any standard, so they are profile data (docs/scanners-and-readers.md §2.2,
// §0 rule 6).

import { z } from 'zod';
import { byteValue } from './byte-values.ts';

const offset = z.int().min(0).max(1023);

export interface HidPosLayout {
  /** Report ID of the scanned-data report (first byte as node-hid returns it). */
  reportId: number;
  /** Byte holding the count of valid bytes in this report's data field. */
  lengthOffset: number;
  dataOffset: number;
  /** Size of the data field (56 on every layout seen). */
  dataLength: number;
  /** First of 3 bytes holding the AIM id (`]Q1`); absent on Newland. */
  aimOffset?: number;
  /** Byte and bit of "Decode Data Continued" (HID POS usage 0xFF). */
  continuedByte: number;
  continuedMask: number;
}

/** Offsets include the report ID byte at 0. */
export const hidPosLayoutPresets = {
  // Honeywell/HHP descriptor (S12, S13), same on Access-IS (S14): 0 id, 1 count, 2–4 AIM, 5–60 data,
  // 61 Honeywell Code ID, 63 bit0 continued.
  honeywell: {
    reportId: 0x02,
    lengthOffset: 1,
    aimOffset: 2,
    dataOffset: 5,
    dataLength: 56,
    continuedByte: 63,
    continuedMask: 0x01,
  },
  // Newland engines (NLS-FM420 guide, ID TECH/Saveo, S8): 0 id, 1 count, 2–57 data, 62 Newland
  // symbology id, 63 bit0 continued. No AIM bytes.
  newland: {
    reportId: 0x02,
    lengthOffset: 1,
    dataOffset: 2,
    dataLength: 56,
    continuedByte: 63,
    continuedMask: 0x01,
  },
} as const satisfies Record<string, HidPosLayout>;

export type HidPosLayoutPreset = keyof typeof hidPosLayoutPresets;

export const hidPosLayoutSchema = z
  .strictObject({
    reportId: byteValue,
    lengthOffset: offset,
    dataOffset: offset,
    dataLength: z.int().min(1).max(1024),
    aimOffset: offset.optional(),
    continuedByte: offset,
    continuedMask: byteValue.refine((m) => m !== 0, 'a non-zero bit mask'),
  })
  .superRefine((layout, ctx) => {
    // Overlapping fields are a typo in the profile; catching it here beats a scanner that "loses" bytes.
    const dataEnd = layout.dataOffset + layout.dataLength;
    const inData = (at: number) => at >= layout.dataOffset && at < dataEnd;
    const overlaps = (at: number, len: number) => at < dataEnd && at + len > layout.dataOffset;
    if (layout.lengthOffset === 0 || inData(layout.lengthOffset)) {
      ctx.addIssue({
        code: 'custom',
        path: ['lengthOffset'],
        message: 'overlaps the report ID or the data field',
      });
    }
    if (layout.continuedByte === 0 || inData(layout.continuedByte)) {
      ctx.addIssue({
        code: 'custom',
        path: ['continuedByte'],
        message: 'overlaps the report ID or the data field',
      });
    }
    if (layout.dataOffset === 0) {
      ctx.addIssue({ code: 'custom', path: ['dataOffset'], message: 'byte 0 is the report ID' });
    }
    if (layout.aimOffset !== undefined && (layout.aimOffset === 0 || overlaps(layout.aimOffset, 3))) {
      ctx.addIssue({
        code: 'custom',
        path: ['aimOffset'],
        message: 'overlaps the report ID or the data field',
      });
    }
  });

const aimId = z.string().regex(/^\][A-Za-z][0-9A-Za-z]$/, 'an AIM id such as "]Z6"');

export const hidPosShape = {
  /** A preset name or explicit offsets (from the device's report descriptor,
   * docs/scanners-and-readers.md §1.1/§2.2). */
  layout: z.union([z.enum(['honeywell', 'newland']), hidPosLayoutSchema]).default('honeywell'),
  /** The scanner's CR suffix arrives inside the data on HID POS; strip it (WebHidBarcodeScanner, S7). */
  suffixStripCr: z.boolean().default(true),
  /** Reports of one scan follow each other within milliseconds; a missing follow-up means a lost scan. */
  continuationTimeoutMs: z.int().min(1).max(60_000).default(500),
  /** Guards memory when a stuck "continued" bit never ends a scan. */
  maxLength: z.int().min(1).max(1_000_000).default(8192),
  /** Honeywell menu-command responses come as report 2 with these AIM ids (S16). Honeywell also tags
   * Bookland/ISSN scans `]X0`; a profile that needs those drops `]X0` here. */
  commandResponseAims: z.array(aimId).default([']X0', ']Z6']),
};

/** Non-strict so a profile's `hidPos` section (which may carry more) can be passed as is. */
export const hidPosSchema = z.object(hidPosShape);

export type HidPosInput = z.input<typeof hidPosSchema>;
export type HidPosSettings = z.output<typeof hidPosSchema>;

export function resolveHidPosLayout(layout: HidPosSettings['layout']): HidPosLayout {
  return typeof layout === 'string' ? hidPosLayoutPresets[layout] : layout;
}
