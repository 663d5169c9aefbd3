// Hands frames and problems to the device manager's sink. A sink that throws is the consumer's bug, but
// it must not tear down the framer's state or surface as an uncaught exception from a timer callback
// (STYLE: errors of one part stay isolated), so it is reported back as a problem instead.

import type { Frame, FrameSink } from '../types.ts';

export interface SafeSink {
  frame(frame: Frame): void;
  problem(code: string, detail?: Record<string, unknown>): void;
}

export function safeSink(sink: FrameSink): SafeSink {
  const problem = (code: string, detail?: Record<string, unknown>) => {
    try {
      sink.problem?.(code, detail);
    } catch {
      // Nowhere left to report to; the framer keeps running.
    }
  };
  return {
    frame(frame) {
      try {
        sink.frame(frame);
      } catch (err) {
        problem('sink_error', { error: err instanceof Error ? err.name : typeof err });
      }
    },
    problem,
  };
}
