// Layout mismatch and the layout-independent digit view (docs/scanners-and-readers.md §1.4,
// §4.2 rule 3, §8 items 1, 32).
import test from 'ava';
import { detectLayoutSuspect } from '../../../src/devices/keyboard/layout-suspect.ts';
import { givenDecoder } from './helpers/harness.ts';
import { ENTER, LSHIFT, tap, typeText } from './helpers/reports.ts';

const url = 'https://example.com/loyalty?id=AB-12_yz#x';

function decode(scannerCountry: string, decoderLayout: 'us' | 'de', text: string) {
  const h = givenDecoder({ layout: decoderLayout });
  h.feed([...typeText(scannerCountry, text), ...tap(ENTER)]);
  return h.frames[0];
}

test('matching layouts round-trip the loyalty URL without warnings', (t) => {
  for (const country of ['us', 'de'] as const) {
    const frame = decode(country, country, url);
    t.is(frame?.text, url);
    t.deepEqual(frame?.warnings, []);
  }
});

test('DE scanner into a US decoder gives the vector of docs/scanners-and-readers.md §1.4 and layout_suspect', (t) => {
  const frame = decode('de', 'us', url);
  t.is(frame?.text, 'https>&&example.com&lozaltz_id)AB/12?zy\\x');
  t.deepEqual(frame?.warnings, ['layout_suspect']);
});

test('US scanner into a DE decoder: the dead ´ composes with A, layout_suspect is set', (t) => {
  const frame = decode('us', 'de', url);
  // docs/scanners-and-readers.md §1.4 shows `´AB` before composition; a dead-key-aware decoder
  // yields `ÁB`.
  t.is(frame?.text, 'httpsÖ--example.com-lozaltz_idÁBß12?zy§x');
  t.deepEqual(frame?.warnings, ['layout_suspect']);
});

test('US-keymap MSR read with a DE table: the digit view still shows the PAN run', (t) => {
  const track2 = ';4111111111111111=25121010000000000000?';
  const frame = decode('us', 'de', track2);
  t.is(frame?.text, 'ö4111111111111111´25121010000000000000_');
  t.true(frame?.digitView?.includes('4111111111111111'));
});

test('digit keys typed with Shift (an AZERTY-like scanner) are digits in the digit view', (t) => {
  const h = givenDecoder({ layout: 'us' });
  const digits = [0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27];
  h.feed([...digits.flatMap((d) => tap(d, LSHIFT)), ...tap(ENTER)]);
  t.is(h.frames[0]?.text, '!@#$%^&*()');
  t.is(h.frames[0]?.digitView, '1234567890');
});

test('heuristics: mangled scheme, mangled separator, swapped y/z in URL-like text', (t) => {
  t.is(detectLayoutSuspect('https:ÖÖexample.com'), 'mangled_scheme');
  t.is(detectLayoutSuspect('httpsÖ--example.com'), 'mangled_scheme');
  t.is(detectLayoutSuspect('go>&&example.com'), 'mangled_separator');
  t.is(detectLayoutSuspect('www.easz/paz.de'), 'swapped_y_z');
  t.is(detectLayoutSuspect('example.com&lozaltz_id'), 'swapped_y_z');
});

test('heuristics stay quiet on ordinary scans', (t) => {
  for (const text of [
    url,
    'HTTPS://EXAMPLE.COM/X',
    '4006381333931',
    'httpbin',
    'ABC-123',
    'paz',
    'Müller & Co',
  ]) {
    t.is(detectLayoutSuspect(text), undefined, text);
  }
});
