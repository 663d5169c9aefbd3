// Heuristics for "the decoder's layout is not the scanner's keyboard country"
// (docs/scanners-and-readers.md §1.4, §8 item 1). A mismatch never fails loudly: characters just
// turn into other characters. These rules look for the fingerprints the common US↔DE mix-ups leave
// in loyalty URLs. They only add the `layout_suspect` warning; the scan is still delivered. Kept
// deliberately small:
//
// 1. A scheme not followed by `://`: `https>&&…` (DE scanner, US table), `httpsÖ--…` (US scanner,
//    DE table), `https:ÖÖ…`.
// 2. The mangled `://` anywhere: `>&&` or `Ö--`/`Ö//`.
// 3. In URL-like text, a common URL word with y and z swapped (QWERTZ vs QWERTY), e.g.
//    `lozaltz` for `loyalty`, `zour` for `your`.
// The decoder adds its own evidence: a dead key that did not compose (`´1`) — see key-translator.

const mangledScheme = /^(?:https?|ftp)(?!:\/\/)[^A-Za-z0-9]/i;
const mangledSeparator = /(?:>&&|Ö--|Ö\/\/)/;
const urlLike = /(?:^https?|^www|\bwww\.|\.(?:com|de|at|ch|net|org|eu|io|app)\b)/i;

// Words frequent in loyalty URLs and tokens that contain y or z.
const yzWords = ['loyalty', 'your', 'my', 'pay', 'key', 'zone', 'easy', 'city', 'day', 'buy', 'size'];

function swapYZ(word: string): string {
  return word.replace(/[yz]/g, (c) => (c === 'y' ? 'z' : 'y'));
}

const swappedWords = new RegExp(`(?:^|[^a-z])(?:${yzWords.map(swapYZ).join('|')})(?:$|[^a-z])`, 'i');

export type LayoutSuspectRule = 'mangled_scheme' | 'mangled_separator' | 'swapped_y_z';

/** The first rule that matches `text`, or undefined when the text looks consistent. */
export function detectLayoutSuspect(text: string): LayoutSuspectRule | undefined {
  if (mangledScheme.test(text)) return 'mangled_scheme';
  if (mangledSeparator.test(text)) return 'mangled_separator';
  if (urlLike.test(text) && swappedWords.test(text)) return 'swapped_y_z';
  return undefined;
}
