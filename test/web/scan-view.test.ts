// What the page shows of a scan's bytes: the hex is the UTF-8 encoding, byte by byte.
import test from 'ava';
import { hex } from '../../src/web/scan-view.ts';

test('hex shows each UTF-8 byte as two lower-case digits, space-separated', (t) => {
  t.is(hex(''), '');
  t.is(hex('A'), '41');
  t.is(hex('PAGE-01\n'), '50 41 47 45 2d 30 31 0a');
  t.is(hex('ß€'), 'c3 9f e2 82 ac');
  t.is(hex('😀'), 'f0 9f 98 80');
});

test('hex is the bytes TextEncoder gives for every code point, lone surrogates as U+FFFD', (t) => {
  const encoder = new TextEncoder();
  const reference = (text: string) =>
    Array.from(encoder.encode(text), (b) => b.toString(16).padStart(2, '0')).join(' ');
  const texts = ['\ud800', 'a\udc00b', '\udbff\udbff\udfff', '\ud83d', 'x\ud83d\ude00\ud83d'];
  for (let cp = 0; cp <= 0x10ffff; cp += cp < 0x3000 ? 1 : 97) texts.push(`${String.fromCodePoint(cp)}a`);
  let differ = 0;
  for (const text of texts) if (hex(text) !== reference(text)) differ++;
  t.is(differ, 0);
  t.is(hex('\ud800'), 'ef bf bd');
});
