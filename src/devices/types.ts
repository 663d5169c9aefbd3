// The one small interface between drivers and the rest of the gateway (DESIGN §6, §11).
// Drivers turn bytes or HID reports into frames; they know nothing of MQTT, classification or logs
// of scan content. Everything downstream (classify → scan event → MQTT) consumes `Frame`s.

export type TransportKind = 'hid-pos' | 'serial' | 'hid-keyboard';

/** One complete scan as a driver framed it, before classification. */
export interface Frame {
  /** Decoded payload bytes exactly as the device delivered them (HID POS, serial) or the UTF-8 of the
   * decoded text (keyboard wedge, where bytes are only known through a layout). */
  bytes: Uint8Array;
  /** Text view of `bytes` (UTF-8 when valid, else latin1/cp1252) with the AIM prefix removed. */
  text: string;
  /** AIM symbology identifier such as `]E0`, `]Q1`, when the device sent one. */
  aim?: string;
  /** Decoder findings, e.g. `layout_suspect`, `timeout_framed`, `truncated`. */
  warnings: string[];
  /** Digits as typed on the keys regardless of layout (keyboard wedge only), so the payment guard
   * can see a PAN even when a layout mismatch turned it into other characters. */
  digitView?: string;
}

/** Sink for a driver: the device manager passes one per attached device. */
export interface FrameSink {
  frame(frame: Frame): void;
  /** A recoverable problem with the input (garbage, overlong data); content must not be included. */
  problem?(code: string, detail?: Record<string, unknown>): void;
}
