// Keyboard-wedge added latency (DESIGN §10): from feeding the suffix report to the frame callback.
// With a suffix configured the decoder must not wait for its idle timeout. Bar: ≤ 1 ms.
import { createKeyboardDecoder } from '../src/devices/keyboard/index.ts';
import { nowMs, percentiles } from './stats.ts';

// US layout usages for digits and Enter.
const DIGIT: Record<string, number> = {
  1: 0x1e,
  2: 0x1f,
  3: 0x20,
  4: 0x21,
  5: 0x22,
  6: 0x23,
  7: 0x24,
  8: 0x25,
  9: 0x26,
  0: 0x27,
};
const report = (key = 0) => Uint8Array.from([0, 0, key, 0, 0, 0, 0, 0]);

export async function benchKeyboard(scans = 2000): Promise<Record<string, unknown>> {
  let frameAt = 0;
  const decoder = createKeyboardDecoder(
    { layout: 'us', suffix: 'enter', idleTimeoutMs: 50 },
    {
      frame: () => {
        frameAt = nowMs();
      },
    },
  );
  const samples: number[] = [];
  for (let i = 0; i < scans + 200; i++) {
    const text = String(4006381333931 + i);
    for (const ch of text) {
      decoder.feed(report(DIGIT[ch]));
      decoder.feed(report());
    }
    frameAt = 0;
    const t0 = nowMs();
    decoder.feed(report(0x28)); // Enter: the suffix
    if (frameAt === 0) throw new Error('no frame on the suffix report');
    if (i >= 200) samples.push(frameAt - t0);
    decoder.feed(report());
  }
  decoder.close();
  const p = percentiles(samples);
  const out = { ...p, bar: '≤ 1 ms after the suffix report', ok: p.p99 <= 1 };
  console.log(JSON.stringify({ bench: 'keyboard_suffix_to_frame_ms', ...out }));
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) await benchKeyboard();
