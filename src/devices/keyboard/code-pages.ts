// Alt+numpad value → character (docs/scanners-and-readers.md §0 rule 5, §1.6): a leading `0`
// selects the ANSI code page (Windows-1252), no leading zero the OEM code page (CP437 US / CP850
// Western Europe); the value wraps mod 256. Values below 128 are taken as ASCII, control characters
// included, because scanners use Alt codes to transmit "any ASCII character from 000 to 255" (Worth
// Data, S22b), e.g. GS = 29.

export type OemCodePage = 'cp437' | 'cp850';
export const oemCodePages = ['cp437', 'cp850'] as const;

// Upper halves (0x80–0xFF), checked against Python's codecs.
const cp437High =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐' +
  '└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';
const cp850High =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜø£Ø×ƒáíóúñÑªº¿®¬½¼¡«»░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐' +
  '└┴┬├─┼ãÃ╚╔╩╦╠═╬¤ðÐÊËÈıÍÎÏ┘┌█▄¦Ì▀ÓßÔÒõÕµþÞÚÛÙýÝ¯´\u00ad±‗¾¶§÷¸°¨·¹³²■\u00a0';
// Windows-1252 differs from Latin-1 only in 0x80–0x9F; its five holes map to the C1 code point of
// the same value, as the WHATWG encoding standard does.
const cp1252C1 = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

function decodeByte(byte: number, page: 'cp1252' | OemCodePage): string {
  if (byte < 0x80) return String.fromCharCode(byte);
  if (page === 'cp1252') return byte < 0xa0 ? cp1252C1[byte - 0x80]! : String.fromCharCode(byte);
  return (page === 'cp437' ? cp437High : cp850High)[byte - 0x80]!;
}

/** Character for the keypad digits typed while Alt was held, or undefined for no character
 * (no digits, or value 0 which Windows also drops). */
export function decodeAltCode(digits: string, oem: OemCodePage): string | undefined {
  if (!/^[0-9]+$/.test(digits)) return undefined;
  const value = Number(BigInt(digits) % 256n);
  if (value === 0) return undefined;
  return decodeByte(value, digits.startsWith('0') ? 'cp1252' : oem);
}
