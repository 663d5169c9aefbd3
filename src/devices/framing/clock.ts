// Time source for the framers. Injected so tests drive idle and continuation timeouts by hand instead
// of sleeping (timed assertions are banned: machines are noisy).

export interface FramingClock {
  /** Milliseconds on a monotonic scale; only differences are used. */
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const systemClock: FramingClock = {
  now: () => performance.now(),
  setTimer: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    // The open port keeps the process alive, not a pending framing timeout.
    handle.unref();
    return handle;
  },
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
