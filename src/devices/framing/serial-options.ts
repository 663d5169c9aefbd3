// Framing settings of a serial / USB-CDC scanner (docs/scanners-and-readers.md §3.1, §6.6 `serial`
// + `framing`).

import { z } from 'zod';
import { byteValue } from './byte-values.ts';

const NAMED_TERMINATORS = { cr: [0x0d], lf: [0x0a], crlf: [0x0d, 0x0a], none: [] } as const;

/** `cr` | `lf` | `crlf` | `none` (idle timeout only) | hex string like `"0x03"` / `"0d0a"` | byte list. */
export const terminatorSchema = z
  .union([
    z.enum(['cr', 'lf', 'crlf', 'none']),
    z
      .string()
      .regex(
        /^(0[xX])?([0-9a-fA-F]{2}){1,8}$/,
        '"cr", "lf", "crlf", "none", a hex byte string such as "0x03" or "0d0a", or a byte list',
      )
      .transform((hex) => hexBytes(hex.replace(/^0[xX]/, ''))),
    z.array(byteValue).max(8),
  ])
  .transform((t): number[] => (typeof t === 'string' ? [...NAMED_TERMINATORS[t]] : t));

export const serialFramingShape = {
  terminator: terminatorSchema.prefault('cr'),
  /** Ends a frame when no byte arrives for this long (scanners without suffix, lost terminator). */
  idleTimeoutMs: z.int().min(1).max(60_000).default(100),
  /** Longer data is garbage (typically a wrong baud rate on an RS-232 adapter) and is discarded. */
  maxLength: z.int().min(1).max(1_000_000).default(4096),
  /** `expected`: warn when missing; `optional`: split when present; `absent`: never split. */
  aim: z.enum(['expected', 'optional', 'absent']).default('optional'),
  /** ModemManager probes fresh ttyACM ports with AT commands (docs/scanners-and-readers.md §3.2); 0
   * turns the check off. */
  ignoreAtProbeMs: z.int().min(0).max(120_000).default(10_000),
};

/** The serial line: irrelevant for USB-CDC and ptys (read as they are), set on RS-232 adapters
 * (ttyUSB) through serialport (docs/scanners-and-readers.md §3.2). DTR is raised on open by the
 * kernel's tty layer on every path, which is what scanners that stay silent without DTR need; there
 * is no setting for it. */
export const serialLineShape = {
  baudRate: z.int().min(300).max(4_000_000).default(9600),
  dataBits: z.union([z.literal(7), z.literal(8)]).default(8),
  parity: z.enum(['none', 'even', 'odd']).default('none'),
  stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
};

export const serialLineSchema = z.object(serialLineShape);
export type SerialLine = z.output<typeof serialLineSchema>;

/** Non-strict so a profile's `serial` section (which also carries the baud rate) can be passed as is. */
export const serialFramingSchema = z.object(serialFramingShape);

export type SerialFramingInput = z.input<typeof serialFramingSchema>;
export type SerialFraming = z.output<typeof serialFramingSchema>;

function hexBytes(hex: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < hex.length; i += 2) out.push(Number.parseInt(hex.slice(i, i + 2), 16));
  return out;
}
