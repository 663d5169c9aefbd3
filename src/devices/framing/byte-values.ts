// Number fields that technicians copy from usb.ids, `lsusb` or vendor manuals in hex. JSON has no hex
// literal, so profiles may write `"0x0c2e"` as well as `3118`.

import { z } from 'zod';

function hexOrInt(max: number, digits: number) {
  return z.union([
    z.int().min(0).max(max),
    z
      .string()
      .regex(
        new RegExp(`^0[xX][0-9a-fA-F]{1,${digits}}$`),
        `an integer 0–${max} or a hex string such as "0x${'0'.repeat(digits - 1)}2"`,
      )
      .transform((s) => Number.parseInt(s.slice(2), 16)),
  ]);
}

/** 0–255, as a number or `"0x.."`. */
export const byteValue = hexOrInt(0xff, 2);
/** 0–65535 (USB VID/PID, HID usage page/usage), as a number or `"0x...."`. */
export const word16Value = hexOrInt(0xffff, 4);
