// Test sink: records what a framer delivers, problems included, in arrival order.

import type { Frame, FrameSink } from '../../../src/devices/types.ts';

export interface Collected {
  sink: FrameSink;
  frames: Frame[];
  problems: string[];
  /** Frames reduced to what a till sees (text, aim, warnings), for exact comparisons. */
  seen(): Array<{ text: string; aim?: string; warnings: string[] }>;
}

export function collect(): Collected {
  const frames: Frame[] = [];
  const problems: string[] = [];
  return {
    sink: { frame: (f) => frames.push(f), problem: (code) => problems.push(code) },
    frames,
    problems,
    seen: () =>
      frames.map((f) =>
        f.aim === undefined
          ? { text: f.text, warnings: f.warnings }
          : { text: f.text, aim: f.aim, warnings: f.warnings },
      ),
  };
}

export function bytes(...parts: Array<string | number[]>): Buffer {
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
}
