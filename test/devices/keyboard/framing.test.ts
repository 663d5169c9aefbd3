// Suffix + idle-timeout framing and scan limits (docs/scanners-and-readers.md §0 rule 4, §1.8,
// §8 items 11–13, 15).
import test from 'ava';
import { givenDecoder } from './helpers/harness.ts';
import { ENTER, KP_ENTER, LALT, RELEASE, report, TAB, tap, typeText } from './helpers/reports.ts';

test('with a suffix the frame is delivered inside the feed of the suffix report, no timer needed', (t) => {
  const h = givenDecoder({ idleTimeoutMs: 50 });
  h.feed(typeText('us', 'ABC123'));
  t.is(h.frames.length, 0);
  h.decoder.feed(report(0, ENTER)); // no clock advance at all
  t.deepEqual(h.texts(), ['ABC123']);
  t.is(h.clock.pending(), 0);
});

test('keypad Enter is an Enter suffix too', (t) => {
  const h = givenDecoder();
  h.feed([...typeText('us', '4006381333931'), ...tap(KP_ENTER)]);
  t.deepEqual(h.texts(), ['4006381333931']);
});

test('Tab suffix: Tab ends the scan and Enter is data', (t) => {
  const h = givenDecoder({ suffix: 'tab' });
  h.feed([...typeText('us', 'line1\rline2'), ...tap(TAB)]);
  t.deepEqual(h.texts(), ['line1\rline2']);
  t.deepEqual(h.frames[0]?.warnings, []);
});

test('missing suffix: the idle timeout ends the scan and flags it', (t) => {
  const h = givenDecoder({ idleTimeoutMs: 50 });
  h.feed(typeText('us', 'NO-SUFFIX').slice(0, -1)); // ends with the last key still down
  h.clock.advance(49); // the idle time counts from the last key press
  t.is(h.frames.length, 0);
  h.clock.advance(1);
  t.deepEqual(h.texts(), ['NO-SUFFIX']);
  t.deepEqual(h.frames[0]?.warnings, ['timeout_framed']);
});

test('suffix none: the timeout is the normal end and no warning is added', (t) => {
  const h = givenDecoder({ suffix: 'none', idleTimeoutMs: 50 });
  h.feed(typeText('us', 'A1'));
  h.clock.advance(50);
  t.deepEqual(h.texts(), ['A1']);
  t.deepEqual(h.frames[0]?.warnings, []);
});

test('Enter inside data (vCard) with enterInData: one scan, the trailing suffix Enter removed', (t) => {
  const h = givenDecoder({ enterInData: true, idleTimeoutMs: 60 });
  h.feed([...typeText('us', 'BEGIN:VCARD\rFN:Eva\rEND:VCARD'), ...tap(ENTER)], 5);
  t.is(h.frames.length, 0);
  h.clock.advance(60);
  t.deepEqual(h.texts(), ['BEGIN:VCARD\rFN:Eva\rEND:VCARD']);
  t.deepEqual(h.frames[0]?.warnings, []);
});

test('Enter inside data without enterInData splits the scan (why the profile option exists)', (t) => {
  const h = givenDecoder();
  h.feed([...typeText('us', 'FN:Eva\rEND'), ...tap(ENTER)]);
  t.deepEqual(h.texts(), ['FN:Eva', 'END']);
});

test('two scans back to back, closer than the timeout, stay two scans', (t) => {
  const h = givenDecoder({ idleTimeoutMs: 50 });
  h.feed([...typeText('us', 'FIRST'), ...tap(ENTER), ...typeText('us', 'SECOND'), ...tap(ENTER)], 1);
  t.deepEqual(h.texts(), ['FIRST', 'SECOND']);
});

test('a slow 250-character Zebra QR at 90 ms per key is one scan with a matching timeout', (t) => {
  const h = givenDecoder({ idleTimeoutMs: 250, humanTypingMs: 150 });
  const text = `https://example.com/l?t=${'x'.repeat(226)}`;
  const reports = typeText('us', text);
  for (const r of reports) {
    h.clock.advance(45); // press and release reports 45 ms apart → 90 ms per key
    h.decoder.feed(r);
  }
  h.feed(tap(ENTER), 45);
  t.is(text.length, 250);
  t.deepEqual(h.texts(), [text]);
});

test('keys that type nothing yet (dead key, Alt+numpad digits) keep a slow scan open', (t) => {
  // 45 ms between reports, idle timeout 100 ms: `´`+`e` and Alt+0252 each span 3+ report gaps
  // before their character appears; they once cut the scan in two by the timeout.
  const h = givenDecoder({ layout: 'de', idleTimeoutMs: 100 });
  const alt0252 = [report(LALT), report(LALT, 0x62), report(LALT), report(LALT, 0x5a), report(LALT)];
  alt0252.push(report(LALT, 0x5d), report(LALT), report(LALT, 0x5a), RELEASE);
  const acuteE = [...tap(0x2e), ...typeText('de', 'e')]; // dead ´, then e
  h.feed(
    [
      ...typeText('de', 'Caf'),
      ...acuteE,
      ...typeText('de', ' M'),
      ...alt0252,
      ...typeText('de', 'ller'),
      ...tap(ENTER),
    ],
    45,
  );
  t.deepEqual(h.texts(), ['Café Müller']);
  t.deepEqual(h.frames[0]?.warnings, []);
});

test('a person typing on the device is rejected as human typing', (t) => {
  const h = givenDecoder({ idleTimeoutMs: 1000, humanTypingMs: 100 });
  h.feed([...typeText('us', '12345'), ...tap(ENTER)], 110); // 220 ms per key
  t.deepEqual(h.frames, []);
  t.deepEqual(
    h.problems.map((p) => p.code),
    ['human_typing'],
  );
});

test('unplug mid-scan: reset discards the partial scan, it is never published', (t) => {
  const h = givenDecoder();
  h.feed(typeText('us', 'PARTIAL'));
  h.decoder.reset();
  h.clock.advance(1000);
  h.feed([...typeText('us', 'NEW'), ...tap(ENTER)]);
  t.deepEqual(h.texts(), ['NEW']);
});

test('reset also forgets held keys and CapsLock of the old device', (t) => {
  const h = givenDecoder();
  h.feed([report(0, 0x39), RELEASE, report(0, 0x04)]); // CapsLock on, a held
  h.decoder.reset();
  h.feed([report(0, 0x04), RELEASE, ...tap(ENTER)]);
  t.deepEqual(h.texts(), ['a']);
});

test('close clears the timer and ignores later reports', (t) => {
  const h = givenDecoder();
  h.feed(typeText('us', 'ABC'));
  t.is(h.clock.pending(), 1);
  h.decoder.close();
  t.is(h.clock.pending(), 0);
  h.feed([...typeText('us', 'D'), ...tap(ENTER)]);
  h.clock.advance(1000);
  t.deepEqual(h.frames, []);
});

test('minLength and maxLength reject without content; the next scan is clean', (t) => {
  const h = givenDecoder({ minLength: 3, maxLength: 8 });
  h.feed([...typeText('us', 'AB'), ...tap(ENTER)]);
  h.feed([...typeText('us', 'TOO-LONG-123'), ...tap(ENTER)]);
  h.feed([...typeText('us', 'GOOD'), ...tap(ENTER)]);
  t.deepEqual(h.texts(), ['GOOD']);
  t.deepEqual(h.problems, [
    { code: 'too_short', detail: { length: 2, minLength: 3 } },
    { code: 'too_long', detail: { maxLength: 8 } },
  ]);
});

test('an AIM prefix is split off into frame.aim, from the text and the digit view', (t) => {
  const h = givenDecoder();
  h.feed([...typeText('us', ']E04006381333931'), ...tap(ENTER)]);
  const frame = h.frames[0];
  t.is(frame?.aim, ']E0');
  t.is(frame?.text, '4006381333931');
  t.is(frame?.digitView, '4006381333931');
  t.deepEqual(frame?.bytes, new TextEncoder().encode('4006381333931'));
});

test('a lone Enter is no scan', (t) => {
  const h = givenDecoder();
  h.feed([...tap(ENTER), ...tap(ENTER)]);
  t.deepEqual(h.frames, []);
  t.deepEqual(h.problems, []);
});
