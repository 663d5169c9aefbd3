// Properties of the keyboard-wedge decoder (src/devices/keyboard/): whatever reports a device sends,
// in whatever settings, the decoder stays inside its contract; and what a scanner types is what the
// till gets.
import assert from 'node:assert/strict';
import test from 'ava';
import fc from 'fast-check';
import { createManualClock } from '../../../src/devices/framing/manual-clock.ts';
import { oemCodePages } from '../../../src/devices/keyboard/code-pages.ts';
import { createKeyboardDecoder, type KeyboardDecoderOptions } from '../../../src/devices/keyboard/index.ts';
import type { Frame } from '../../../src/devices/types.ts';
import { ENTER, KP_ENTER, report, typeText } from '../../devices/keyboard/helpers/reports.ts';
import { prove } from './prove.ts';

const subject = 'keyboard decoder';
const utf8 = new TextEncoder();

function decoderUnderTest(options: KeyboardDecoderOptions) {
  const clock = createManualClock(10_000);
  const frames: Frame[] = [];
  const problems: string[] = [];
  const decoder = createKeyboardDecoder(
    { ...options, now: clock.now, setTimer: clock.setTimer, clearTimer: clock.clearTimer },
    { frame: (f) => frames.push(f), problem: (code) => problems.push(code) },
  );
  return { decoder, clock, frames, problems };
}

const settings = fc
  .record({
    layout: fc.constantFrom('us' as const, 'de' as const),
    suffix: fc.constantFrom('enter' as const, 'tab' as const, 'none' as const),
    enterInData: fc.boolean(),
    capsLock: fc.boolean(),
    idleTimeoutMs: fc.integer({ min: 1, max: 300 }),
    oemCodePage: fc.constantFrom(...oemCodePages),
    minLength: fc.integer({ min: 1, max: 6 }),
    extraLength: fc.integer({ min: 0, max: 200 }),
    humanTypingMs: fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
    reportId: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
  })
  .map(({ extraLength, humanTypingMs, reportId, ...s }) => {
    const out: KeyboardDecoderOptions = { ...s, maxLength: s.minLength + extraLength };
    if (humanTypingMs !== undefined) out.humanTypingMs = humanTypingMs;
    if (reportId !== undefined) out.reportId = reportId;
    return out;
  });

// Usages a wedge really sends (letters, digits, symbols, Enter/Tab, keypad, CapsLock/NumLock,
// phantom 0x01–0x03, modifiers in the array) mixed with any byte at all.
const usage = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0x04, max: 0x38 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0x53, max: 0x64 }) },
  { weight: 1, arbitrary: fc.constantFrom(0x00, 0x01, 0x02, 0x03, 0x39, 0xe0, 0xe1, 0xe5, 0xe6) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
);
const modifiers = fc.oneof(
  fc.constantFrom(0x00, 0x00, 0x02, 0x20, 0x04, 0x40, 0x01, 0x05, 0x11),
  fc.integer({ min: 0, max: 255 }),
);
const bootReport = fc
  .tuple(modifiers, fc.array(usage, { maxLength: 6 }))
  .map(([mods, keys]) => report(mods, ...keys));
const anyReport = fc.oneof(
  { weight: 5, arbitrary: bootReport },
  // A report-ID byte in front (composite devices), sometimes the right one.
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 3 }), bootReport)
      .map(([id, r]) => Uint8Array.from([id, ...r])),
  },
  // V-USB 3-byte and stripped 2-byte reports, and plain garbage of any length.
  { weight: 1, arbitrary: fc.tuple(modifiers, usage).map(([m, k]) => Uint8Array.from([m, 0, k])) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 16 }) },
);
type Step = { report: Uint8Array; gapMs: number } | { reset: true } | { close: true };
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 40, arbitrary: fc.record({ report: anyReport, gapMs: fc.nat({ max: 400 }) }) },
  { weight: 1, arbitrary: fc.constant({ reset: true as const }) },
  { weight: 1, arbitrary: fc.constant({ close: true as const }) },
);

test('any report sequence under any settings: no internal error, frames within limits, nothing after close, no timer left', (t) => {
  prove(
    t,
    { subject, property: 'any reports, any settings: frames within limits, nothing after close', runs: 300 },
    fc.record({ options: settings, steps: fc.array(step, { maxLength: 250 }) }),
    ({ options, steps }) => {
      const { decoder, clock, frames, problems } = decoderUnderTest(options);
      let closed = false;
      let framesAtClose = 0;
      for (const s of steps) {
        if ('report' in s) {
          clock.advance(s.gapMs);
          decoder.feed(s.report);
        } else if ('reset' in s) decoder.reset();
        else if (!closed) {
          decoder.close();
          closed = true;
          framesAtClose = frames.length;
        }
      }
      clock.advance(options.idleTimeoutMs! * 2 + 1);
      assert.ok(!problems.includes('decoder_error'), `an internal error was caught: ${problems}`);
      if (closed) assert.equal(frames.length, framesAtClose, 'a frame after close');
      assert.equal(clock.pending(), 0, 'a timer is still armed after the idle timeout');
      for (const f of frames) {
        assert.ok(f.text.length >= options.minLength!, `shorter than minLength: ${JSON.stringify(f.text)}`);
        assert.ok(f.text.length <= options.maxLength!, `longer than maxLength: ${f.text.length}`);
        assert.deepEqual(f.bytes, utf8.encode(f.text), 'bytes are the UTF-8 of the text');
        assert.equal(f.digitView?.length, f.text.length, 'the digit view is aligned with the text');
        assert.equal(new Set(f.warnings).size, f.warnings.length, 'a warning twice');
      }
    },
  );
});

// Characters a scanner set to that keyboard country types on the main block (`typeText` knows them),
// without Enter/Tab, which are framing keys here.
const typeable = {
  us: fc.constantFrom(
    ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !@#$%^&*()-_=+[]{}\\|;:\'",.<>/?`~',
  ),
  de: fc.constantFrom(
    ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !"§$%&/()=?ß+*#\',.;:-_<>@€{}[]\\~|äöüÄÖÜ^´`°²³µ',
  ),
};
const scanText = (layout: 'us' | 'de') =>
  fc
    .string({ unit: typeable[layout], minLength: 1, maxLength: 120 })
    // A leading `]Xn` is an AIM prefix and is split off by design.
    .filter((s) => !/^\][A-Za-z][0-9A-Za-z]/.test(s));

/** Press/release reports for `text`; where `rollover` says so, the release before a different key
 * is left out (the next key is pressed in the report that releases this one, as fast scanners do). */
function typed(layout: 'us' | 'de', text: string, rollover: boolean[]): Uint8Array[] {
  const reports = typeText(layout, text);
  const out: Uint8Array[] = [];
  for (let i = 0; i < reports.length; i += 2) {
    const press = reports[i]!;
    out.push(press);
    const next = reports[i + 2];
    const differentKey = next !== undefined && next[2] !== press[2];
    if (!(rollover[i / 2] && differentKey)) out.push(reports[i + 1]!);
  }
  return out;
}

for (const layout of ['us', 'de'] as const) {
  test(`what a ${layout} scanner types into a ${layout} decoder is one frame with exactly that text`, (t) => {
    prove(
      t,
      { subject, property: `${layout} text typed, Enter or keypad Enter: one frame, same text`, runs: 300 },
      fc.record({
        scans: fc.array(
          fc.record({
            text: scanText(layout),
            rollover: fc.array(fc.boolean(), { maxLength: 240 }),
            keypadEnter: fc.boolean(),
          }),
          { minLength: 1, maxLength: 5 },
        ),
        gapMs: fc.integer({ min: 0, max: 20 }),
      }),
      ({ scans, gapMs }) => {
        const { decoder, clock, frames, problems } = decoderUnderTest({ layout, idleTimeoutMs: 50 });
        for (const scan of scans) {
          const suffix = scan.keypadEnter ? KP_ENTER : ENTER;
          for (const r of [...typed(layout, scan.text, scan.rollover), report(0, suffix), report(0)]) {
            clock.advance(gapMs);
            decoder.feed(r);
          }
        }
        assert.deepEqual(
          frames.map((f) => f.text),
          scans.map((s) => s.text),
        );
        assert.deepEqual(problems, []);
        for (const f of frames) assert.ok(!f.warnings.includes('timeout_framed'));
      },
    );
  });
}
