// ModemManager opens every new ttyACM and sends AT commands (`AT`, `ATE0`, `ATI`, `AT+GCAP`, ...),
// which a tty in echo mode hands back to the reader (docs/scanners-and-readers.md §3.2,
// §8 item 25). Such a line right after open is a probe, not a scan. Deliberately narrow so real
// barcodes such as `ATLAS-7` pass.

const PROBE = /^AT(?:|[+^$%*#\\][\x21-\x7e][\x20-\x7e]*|(?:[EIQVXZ]\d{0,2}|&[A-Z]\d{0,2})+)$/;

export function isModemProbe(line: Uint8Array): boolean {
  if (line.length < 2 || line.length > 64) return false;
  // Every frame of the first seconds after open is asked: only `AT…` builds a string and a regex.
  if (line[0] !== 0x41 || line[1] !== 0x54) return false;
  let text = '';
  for (const b of line) {
    if (b > 0x7e) return false;
    text += String.fromCharCode(b);
  }
  return PROBE.test(text.replace(/[\r\n]+$/, ''));
}
