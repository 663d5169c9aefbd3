// Alt+numpad composition (docs/scanners-and-readers.md §0 rule 5, §1.6, §8 item 7).
import test from 'ava';
import { decodeAltCode } from '../../../src/devices/keyboard/code-pages.ts';
import { givenDecoder } from './helpers/harness.ts';
import { ENTER, keypad, LALT, NUM_LOCK, RALT, RELEASE, report, tap, typeText } from './helpers/reports.ts';

/** `Alt down, KPd…, Alt up` as a scanner in ALT mode sends it. */
function altCode(digits: string, alt = LALT): Uint8Array[] {
  const reports = [report(alt)];
  for (const digit of digits) reports.push(report(alt, keypad(digit)), report(alt));
  reports.push(RELEASE);
  return reports;
}

function scanOf(reports: Uint8Array[], options = {}) {
  const h = givenDecoder(options);
  h.feed([...reports, ...tap(ENTER)]);
  return h;
}

test('Alt+KP 0252 is Windows-1252 ü', (t) => {
  const h = scanOf([...typeText('us', 'M'), ...altCode('0252'), ...typeText('us', 'ller')]);
  t.deepEqual(h.texts(), ['Müller']);
  t.deepEqual(h.frames[0]?.bytes, Uint8Array.from([0x4d, 0xc3, 0xbc, 0x6c, 0x6c, 0x65, 0x72]));
});

test('Alt+KP 129 is ü in the OEM code page (cp850 by default)', (t) => {
  t.deepEqual(scanOf(altCode('129')).texts(), ['ü']);
});

test('without a leading zero the configured OEM code page decides: 155 is ø in cp850, ¢ in cp437', (t) => {
  t.deepEqual(scanOf(altCode('155')).texts(), ['ø']);
  t.deepEqual(scanOf(altCode('155'), { oemCodePage: 'cp437' }).texts(), ['¢']);
});

test('NumLock toggled around the sequence is framing, not data', (t) => {
  const reports = [...tap(NUM_LOCK), ...altCode('0252'), ...tap(NUM_LOCK), ...typeText('us', 'x')];
  t.deepEqual(scanOf(reports).texts(), ['üx']);
});

test('Alt released in the same report as the last digit still completes the code', (t) => {
  const reports = [report(LALT), report(LALT, keypad('0')), report(LALT), report(LALT, keypad('2'))];
  reports.push(report(LALT), report(LALT, keypad('5')), report(LALT), report(0, keypad('2')), RELEASE);
  t.deepEqual(scanOf(reports).texts(), ['ü']);
});

test('the value wraps mod 256 and values below 128 are ASCII, control characters included', (t) => {
  t.deepEqual(scanOf(altCode('385')).texts(), ['ü']); // 385 − 256 = 129
  t.deepEqual(scanOf([...typeText('us', '10ABC'), ...altCode('29'), ...typeText('us', '17')]).texts(), [
    '10ABC\x1d17',
  ]);
});

test('RAlt is a plain Alt on us, but AltGr on de', (t) => {
  t.deepEqual(scanOf(altCode('0252', RALT)).texts(), ['ü']);
  const h = scanOf([...altCode('0252', RALT), ...typeText('de', 'x')], { layout: 'de' });
  t.deepEqual(h.texts(), ['x']);
  t.true(h.frames[0]?.warnings.includes('unmapped_key'));
});

test('Alt-code digits are not digits of the digit view; the composed character is', (t) => {
  const h = scanOf([...typeText('us', '12'), ...altCode('0052'), ...typeText('us', '3')]);
  t.deepEqual(h.texts(), ['1243']);
  t.is(h.frames[0]?.digitView, '1243');
});

test('Windows-1252 0x80–0x9F are the typographic characters; its holes stay C1 code points', (t) => {
  t.is(decodeAltCode('0128', 'cp850'), '€');
  t.is(decodeAltCode('0150', 'cp850'), '–');
  t.is(decodeAltCode('0159', 'cp850'), 'Ÿ');
  t.is(decodeAltCode('0129', 'cp850'), '\u0081');
  t.is(decodeAltCode('0', 'cp850'), undefined);
  t.is(decodeAltCode('', 'cp850'), undefined);
});
