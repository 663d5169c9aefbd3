// The one small interface between drivers and the rest of the gateway (DESIGN §6, §11).
// Drivers turn bytes or HID reports into frames; they know nothing of MQTT, classification or logs
// of scan content. Everything downstream (classify → scan event → MQTT) consumes `Frame`s.

export type TransportKind = 'hid-pos' | 'serial' | 'hid-keyboard';

import type { Frame } from '../classify/frame.ts';

/** One complete scan as a driver framed it: the classifier's input type, defined there (below). */
export type { Frame };

/** Sink for a driver: the device manager passes one per attached device. */
export interface FrameSink {
  frame(frame: Frame): void;
  /** A recoverable problem with the input (garbage, overlong data); content must not be included. */
  problem?(code: string, detail?: Record<string, unknown>): void;
}
