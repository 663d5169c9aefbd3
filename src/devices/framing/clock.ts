// Time source for the framers. Injected so tests drive idle and continuation timeouts by hand instead
// of sleeping (timed assertions are banned: machines are noisy).

export interface FramingClock {
  /** Milliseconds on a monotonic scale; only differences are used. */
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

/** A pending timer: the timeout, then the turn of the loop that runs the callback. */
interface SystemTimer {
  timeout: ReturnType<typeof setTimeout>;
  immediate?: ReturnType<typeof setImmediate>;
}

export const systemClock: FramingClock = {
  now: () => performance.now(),
  setTimer: (fn, ms) => {
    // The callback runs one loop turn after the timeout (setImmediate, after the poll phase): when
    // the event loop was blocked longer than an idle timeout (a synchronous fsync on an SD card),
    // the bytes or reports that arrived meanwhile are read first, so they extend the scan instead
    // of the timer cutting it in two. Seen in the proof corpus: a 12 KB serial flood written while
    // the loop was blocked came out with one line split into `FLOOD-S-` (timeout_framed) and `691`.
    const timer: SystemTimer = {
      timeout: setTimeout(() => {
        timer.immediate = setImmediate(fn);
        timer.immediate.unref();
      }, ms),
    };
    // The open port keeps the process alive, not a pending framing timeout.
    timer.timeout.unref();
    return timer;
  },
  clearTimer: (handle) => {
    const timer = handle as SystemTimer;
    clearTimeout(timer.timeout);
    if (timer.immediate !== undefined) clearImmediate(timer.immediate);
  },
};
