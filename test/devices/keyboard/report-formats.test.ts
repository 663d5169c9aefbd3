// Report shapes and phantom states (docs/scanners-and-readers.md §1.1, §8 items 5 and 6).
import test from 'ava';
import { givenDecoder } from './helpers/harness.ts';
import { bytes, ENTER, RELEASE, report, typeText, withReportId } from './helpers/reports.ts';

test('8-byte boot reports: a scan typed key by key ends on Enter', (t) => {
  const h = givenDecoder();
  h.feed([...typeText('us', 'ABC-123'), report(0, ENTER), RELEASE]);
  t.deepEqual(h.texts(), ['ABC-123']);
  t.deepEqual(h.frames[0]?.warnings, []);
});

test('9-byte reports with a report-ID prefix are recognised by their length', (t) => {
  const h = givenDecoder();
  h.feed(withReportId(1, [...typeText('us', 'Loyalty-42'), report(0, ENTER), RELEASE]));
  t.deepEqual(h.texts(), ['Loyalty-42']);
});

test('a configured report ID is stripped and reports of other collections are ignored', (t) => {
  const h = givenDecoder({ reportId: 3 });
  const consumerControl = bytes(2, 0xe9, 0x00); // volume-up of a composite device's other collection
  h.feed([
    ...withReportId(3, typeText('us', 'ab')),
    consumerControl,
    ...withReportId(3, typeText('us', 'c')),
  ]);
  h.feed(withReportId(3, [report(0, ENTER), RELEASE]));
  t.deepEqual(h.texts(), ['abc']);
  t.deepEqual(h.problems, []);
});

test('3-byte V-USB reports: the 10-digit tag + Enter dump from 16c0:27db decodes to the tag', (t) => {
  // Raw dump of pyusb-keyboard-alike issue #9 (docs/scanners-and-readers.md §1.1, S45), split into
  // 3-byte reports.
  const dump = [1, 0, 30, 1, 0, 31, 1, 0, 35, 1, 0, 34, 1, 0, 30, 1, 0, 34, 1, 0, 31, 1, 0, 0, 1, 0, 31];
  dump.push(1, 0, 34, 1, 0, 35, 1, 0, 40, 1, 0, 0);
  const reports: Uint8Array[] = [];
  for (let i = 0; i < dump.length; i += 3) reports.push(Uint8Array.from(dump.slice(i, i + 3)));

  for (const options of [{}, { reportId: 1 }]) {
    const h = givenDecoder(options);
    h.feed(reports);
    t.deepEqual(h.texts(), ['1265152256'], JSON.stringify(options));
    t.is(h.frames[0]?.digitView, '1265152256');
  }
});

test('ErrorRollOver in the middle of a scan is ignored and keeps the keys that were held', (t) => {
  const h = givenDecoder();
  h.feed([report(0, 0x04), report(0, 1, 1, 1, 1, 1, 1), report(0, 0x04, 0x05), RELEASE]);
  h.feed([report(0, ENTER), RELEASE]);
  t.deepEqual(h.texts(), ['ab']);
});

test('reports of an unusable length are reported without content and do not break the scan', (t) => {
  const h = givenDecoder();
  h.feed([...typeText('us', 'x1'), bytes(), bytes(7), new Uint8Array(64), ...typeText('us', '2')]);
  h.feed([report(0, ENTER), RELEASE]);
  t.deepEqual(h.texts(), ['x12']);
  t.deepEqual(
    h.problems.map((p) => p.code),
    ['unsupported_report', 'unsupported_report', 'unsupported_report'],
  );
  t.deepEqual(
    h.problems.map((p) => p.detail?.length),
    [0, 1, 64],
  );
});

test('random garbage reports never throw out of the decoder', (t) => {
  const h = givenDecoder({ layout: 'de' });
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed;
  };
  t.notThrows(() => {
    for (let i = 0; i < 5000; i++) {
      const length = random() % 12;
      const raw = new Uint8Array(length);
      for (let j = 0; j < length; j++) raw[j] = random() % 256;
      h.decoder.feed(raw);
      h.clock.advance(random() % 80);
    }
  });
  t.false(h.problems.some((p) => p.code === 'decoder_error'));
});
