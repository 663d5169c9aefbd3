// Byte-level framers: serial/CDC bytes and HID POS reports in, `Frame`s out (DESIGN §6, §11).

export { type FramingClock, systemClock } from './clock.ts';
export {
  createHidPosAssembler,
  type HidPosAssembler,
  type HidPosAssemblerOptions,
} from './hid-pos-assembler.ts';
export {
  type HidPosInput,
  type HidPosLayout,
  type HidPosSettings,
  hidPosLayoutPresets,
  hidPosSchema,
  resolveHidPosLayout,
} from './hid-pos-options.ts';
export { createManualClock, type ManualClock } from './manual-clock.ts';
export { createSerialFramer, type SerialFramer, type SerialFramerOptions } from './serial-framer.ts';
export { type SerialFraming, type SerialFramingInput, serialFramingSchema } from './serial-options.ts';
