// Windows-1252 decoding, written out instead of relying on the runtime's ICU build (Node on Raspberry Pi
// OS may ship with small-icu). Scanners fall back to this code page for non-ASCII data
// (docs/scanners-and-readers.md §1.6, Datalogic "Control Character 02" S23), so a byte that is not
// valid UTF-8 is most likely CP1252.

// 0x80–0x9F differ from Latin-1; the five holes (0x81, 0x8D, 0x8F, 0x90, 0x9D) map to the C1 control
// with the same number, as the WHATWG encoding standard does.
const HIGH_CONTROL_RANGE = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152,
  0x008d, 0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122,
  0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
];

export function decodeCp1252(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) {
    out += String.fromCharCode(b >= 0x80 && b <= 0x9f ? HIGH_CONTROL_RANGE[b - 0x80]! : b);
  }
  return out;
}
