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
