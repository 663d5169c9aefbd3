// AltGr, LAlt and Ctrl (docs/scanners-and-readers.md §1.5, §1.7, §8 items 9, 10 and 14).
import test from 'ava';
import { givenDecoder } from './helpers/harness.ts';
import { ENTER, LALT, LCTRL, LSHIFT, RALT, RCTRL, tap, typeText } from './helpers/reports.ts';

function scanOf(layout: 'us' | 'de', ...keys: Uint8Array[][]) {
  const h = givenDecoder({ layout });
  h.feed([...keys.flat(), ...tap(ENTER)]);
  return h.frames[0];
}

test('AltGr on de types @ € { \\ | ~ µ', (t) => {
  const frame = scanOf(
    'de',
    tap(0x14, RALT), // q → @
    tap(0x08, RALT), // e → €
    tap(0x24, RALT), // 7 → {
    tap(0x2d, RALT), // ß → \
    tap(0x64, RALT), // < → |
    tap(0x30, RALT), // + → ~
    tap(0x10, RALT), // m → µ
  );
  t.is(frame?.text, '@€{\\|~µ');
  t.deepEqual(frame?.warnings, []);
});

test('Ctrl+LAlt counts as AltGr on de', (t) => {
  t.is(scanOf('de', tap(0x14, LCTRL | LALT), tap(0x27, RCTRL | LALT))?.text, '@}');
});

test('LAlt + a letter keeps the letter and flags alt_modifier', (t) => {
  const frame = scanOf('us', tap(0x04), tap(0x05, LALT), tap(0x06));
  t.is(frame?.text, 'abc');
  t.deepEqual(frame?.warnings, ['alt_modifier']);
});

test('Ctrl+] is GS and keeps the separator of a GS1 string', (t) => {
  // 01 09506000134352 10 ABC123 <GS> 17 251231 (docs/scanners-and-readers.md §7.2)
  const frame = scanOf(
    'us',
    typeText('us', ']C1010950600013435210ABC123'),
    tap(0x30, LCTRL),
    typeText('us', '17251231'),
  );
  t.is(frame?.aim, ']C1');
  t.is(frame?.text, '010950600013435210ABC123\x1d17251231');
});

test('Ctrl+] is GS by US key position on de as well', (t) => {
  t.is(scanOf('de', tap(0x1e), tap(0x30, LCTRL), tap(0x1f))?.text, '1\x1d2');
});

test('Ctrl+^ (Ctrl+Shift+6) is RS, Ctrl+D is EOT, Ctrl+letters are control characters', (t) => {
  const frame = scanOf(
    'us',
    tap(0x23, LCTRL | LSHIFT),
    tap(0x2d, RCTRL | LSHIFT),
    tap(0x07, LCTRL),
    tap(0x04, LCTRL),
    tap(0x1a, RCTRL),
  );
  t.is(frame?.text, '\x1e\x1f\x04\x01\x17');
});

test('Ctrl on a digit keeps the digit: Ctrl+6 is 6, not RS', (t) => {
  t.is(scanOf('us', tap(0x23, LCTRL), tap(0x1f, LCTRL))?.text, '62');
});

test('Ctrl+letter follows the layout letter: Ctrl+Z on de is the key 0x1C', (t) => {
  t.is(scanOf('de', tap(0x1c, LCTRL))?.text, '\x1a');
  t.is(scanOf('us', tap(0x1c, LCTRL))?.text, '\x19');
});

test('DE # arrives as 0x31 or as 0x32 and decodes to # either way', (t) => {
  t.is(scanOf('de', tap(0x31), tap(0x32), tap(0x31, LSHIFT), tap(0x32, LSHIFT))?.text, "##''");
});

test('DE country differences: y/z, symbols on Shift, ! on Shift+1', (t) => {
  const frame = scanOf(
    'de',
    tap(0x1c), // z
    tap(0x1d), // y
    tap(0x24, LSHIFT), // /
    tap(0x2d, LSHIFT), // ?
    tap(0x27, LSHIFT), // =
    tap(0x38), // -
    tap(0x38, LSHIFT), // _
    tap(0x37, LSHIFT), // :
    tap(0x1e, LSHIFT), // !
    tap(0x20, LSHIFT), // §
  );
  t.is(frame?.text, 'zy/?=-_:!§');
});

test('US symbols as docs/scanners-and-readers.md §1.3 lists them', (t) => {
  const frame = scanOf(
    'us',
    tap(0x33, LSHIFT),
    tap(0x38),
    tap(0x38, LSHIFT),
    tap(0x2e),
    tap(0x2d),
    tap(0x2d, LSHIFT),
    tap(0x20, LSHIFT),
    tap(0x1f, LSHIFT),
    tap(0x24, LSHIFT),
    tap(0x35),
    tap(0x35, LSHIFT),
    tap(0x32),
  );
  t.is(frame?.text, ':/?=-_#@&`~\\');
});
