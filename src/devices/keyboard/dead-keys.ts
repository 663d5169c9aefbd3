// Dead-key composition as a Windows/xkb `de` keyboard does it (docs/scanners-and-readers.md §1.5,
// §8 item 8): accent + vowel → accented vowel, accent + Space → the accent itself, accent +
// anything else → the accent followed by that character (nothing is lost).

const compositions: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  '^': { a: 'â', e: 'ê', i: 'î', o: 'ô', u: 'û', A: 'Â', E: 'Ê', I: 'Î', O: 'Ô', U: 'Û' },
  '´': { a: 'á', e: 'é', i: 'í', o: 'ó', u: 'ú', y: 'ý', A: 'Á', E: 'É', I: 'Í', O: 'Ó', U: 'Ú', Y: 'Ý' },
  '`': { a: 'à', e: 'è', i: 'ì', o: 'ò', u: 'ù', A: 'À', E: 'È', I: 'Ì', O: 'Ò', U: 'Ù' },
};

export interface Composition {
  text: string;
  /** False when the following character did not combine (and was not Space): the accent is kept
   * spacing in front of it. Real German data rarely does that, so it hints at a wrong layout. */
  composed: boolean;
}

/** Combine a pending dead accent with the character that follows it. */
export function composeDeadKey(accent: string, next: string): Composition {
  if (next === ' ') return { text: accent, composed: true };
  const composed = compositions[accent]?.[next];
  if (composed !== undefined) return { text: composed, composed: true };
  return { text: accent + next, composed: false };
}
