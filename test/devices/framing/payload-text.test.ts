// A frame's text (src/devices/framing/payload.ts): strict UTF-8 when the bytes are valid UTF-8,
// else CP1252 — the same for the short-ASCII shortcut as for the decoder it bypasses.
import test from 'ava';
import fc from 'fast-check';
import { decodeCp1252 } from '../../../src/devices/framing/cp1252.ts';
import { decodePayloadText } from '../../../src/devices/framing/payload.ts';

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
function reference(bytes: Uint8Array): { text: string; utf8: boolean } {
  try {
    return { text: strict.decode(bytes), utf8: true };
  } catch {
    return { text: decodeCp1252(bytes), utf8: false };
  }
}

test('any payload reads as the strict decoder reads it, ASCII shortcut or not', (t) => {
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 80 }),
    fc.uint8Array({ min: 0, max: 0x7f, maxLength: 80 }),
    fc.string({ unit: 'grapheme', maxLength: 30 }).map((s) => new TextEncoder().encode(s)),
  );
  const run = fc.check(
    fc.property(bytes, (b) => {
      const got = decodePayloadText(b);
      const want = reference(b);
      return got.text === want.text && got.utf8 === want.utf8;
    }),
    { numRuns: 5000 },
  );
  t.is(run.failed, false, run.counterexample ? JSON.stringify(run.counterexample) : '');
  t.is(run.numRuns, 5000);
});
