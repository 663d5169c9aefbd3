// Public surface of the keyboard-wedge decoder (DESIGN §6, §11 `devices/keyboard/`).

export { decodeAltCode, type OemCodePage } from './code-pages.ts';
export {
  createKeyboardDecoder,
  type DecoderTimers,
  type KeyboardDecoder,
  type KeyboardDecoderOptions,
  KeyboardDecoderSettingsError,
} from './decoder.ts';
export { detectLayoutSuspect, type LayoutSuspectRule } from './layout-suspect.ts';
export type { DeadKey, KeyboardLayout, KeyEntry, KeySymbol } from './layout-types.ts';
export { getLayout, isLayoutName, type LayoutName, layoutNames, UnknownLayoutError } from './layouts.ts';
export {
  type KeyboardDecoderSettings,
  type KeyboardDecoderSettingsInput,
  keyboardDecoderSettingsSchema,
} from './settings.ts';
