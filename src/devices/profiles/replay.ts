// Replays a profile's recorded serial / HID POS fixture through the real framer on a manual clock, so
// the framing and decoder settings of every profile are proven against bytes laid out as the
// docs/scanners-and-readers.md documents them.

import { createHidPosAssembler } from '../framing/hid-pos-assembler.ts';
import { createManualClock } from '../framing/manual-clock.ts';
import { createSerialFramer } from '../framing/serial-framer.ts';
import { createKeyboardDecoder } from '../keyboard/decoder.ts';
import type { Frame, FrameSink } from '../types.ts';
import { readFixture } from './fixtures.ts';
import type { Fixture, Profile } from './schema.ts';

export type ReplayResult = { ok: true; frames: Frame[]; problems: string[] } | { ok: false; error: string };

export function replayFixture(profile: Profile, fixture: Fixture, profilesDir: string): ReplayResult {
  const read = readFixture(profilesDir, fixture.file);
  if (!read.ok) return read;
  const frames: Frame[] = [];
  const problems: string[] = [];
  const sink: FrameSink = { frame: (f) => frames.push(f), problem: (code) => problems.push(code) };
  const clock = createManualClock();
  let input: { write(bytes: Uint8Array): void; close(): void };
  if (fixture.transport === 'serial') {
    const framer = createSerialFramer({ ...profile.serial, clock }, sink);
    input = { write: framer.push, close: framer.close };
  } else if (fixture.transport === 'hid-pos') {
    const assembler = createHidPosAssembler({ ...profile.hidPos, clock }, sink);
    input = { write: assembler.feed, close: assembler.close };
  } else {
    const decoder = createKeyboardDecoder(
      { ...profile.keyboard, now: clock.now, setTimer: clock.setTimer, clearTimer: clock.clearTimer },
      sink,
    );
    input = { write: decoder.feed, close: decoder.close };
  }
  for (const step of read.steps) {
    if (step.kind === 'wait') clock.advance(step.ms);
    else input.write(step.bytes);
  }
  input.close();
  return { ok: true, frames, problems };
}
