// Data part of the keyboard-wedge decoder options, one schema for validation, types and defaults so
// device profiles (firmware-config/, DESIGN §6) can embed it (STYLE: one schema produces all three).

import { z } from 'zod';
import { oemCodePages } from './code-pages.ts';
import { layoutNames } from './layouts.ts';

export const keyboardDecoderSettingsSchema = z
  .strictObject({
    /** Must equal the scanner's keyboard country (docs/scanners-and-readers.md §0 rule 3). */
    layout: z.enum(layoutNames).default('us'),
    /** Key that ends a scan: Enter (0x28 and keypad Enter 0x58), Tab (0x2B) or none (timeout only). */
    suffix: z.enum(['enter', 'tab', 'none']).default('enter'),
    /** Gap after the last key that ends a scan without suffix (docs/scanners-and-readers.md §1.8:
     * scanners type a key every 1–20 ms; slow Zebra QR codes need ~250). */
    idleTimeoutMs: z.number().int().min(1).max(60_000).default(50),
    /** Code page of Alt+nnn without leading zero (Alt+0nnn is always Windows-1252). */
    oemCodePage: z.enum(oemCodePages).default('cp850'),
    /** Enter is data (vCards, multi-line QR): only the idle timeout frames
     * (docs/scanners-and-readers.md §8 item 11). */
    enterInData: z.boolean().default(false),
    minLength: z.number().int().min(1).default(1),
    maxLength: z.number().int().min(1).max(1_048_576).default(4096),
    /** Reject a scan whose average gap between keys exceeds this (a person typing,
     * docs/scanners-and-readers.md §8 item 13). */
    humanTypingMs: z.number().positive().optional(),
    /** Report ID of the keyboard collection when the device numbers its reports. */
    reportId: z.number().int().min(0).max(255).optional(),
    /** CapsLock state of the device when attached; its own CapsLock key toggles it
     * (docs/scanners-and-readers.md §1.5). */
    capsLock: z.boolean().default(false),
  })
  .refine((s) => s.minLength <= s.maxLength, {
    message: 'minLength must not exceed maxLength',
    path: ['minLength'],
  });

export type KeyboardDecoderSettingsInput = z.input<typeof keyboardDecoderSettingsSchema>;
export type KeyboardDecoderSettings = z.output<typeof keyboardDecoderSettingsSchema>;
