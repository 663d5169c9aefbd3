// Discards what a tty received before the gateway opened it (tcflush(3), TCIFLUSH). A scanner's
// bytes sent while the gateway was not running wait in the tty's input queue (a pty, a USB serial
// port someone else held open) and would be read at the next start as a scan of now: a till could
// book a code scanned minutes or hours ago for another sale. A scan is for the sale at hand, so
// what is queued at open is dropped (DESIGN §6: "every scan once" is every scan made while the
// gateway runs). Node has no tcflush; libc's is called through koffi, as for TCP_QUICKACK
// (src/mqtt/quick-ack.ts). The same ESM import of koffi everywhere: one native addon per process.
const TCIFLUSH = 0;

/** Flushes `fd`'s input queue; false when it could not (no FFI here, not a tty). */
export type DiscardInput = (fd: number) => boolean;

let loading: Promise<DiscardInput> | undefined;

/** Loaded once, at the first open; where koffi or glibc is missing, queued input is read as before. */
export function loadDiscardInput(): Promise<DiscardInput> {
  loading ??= (async (): Promise<DiscardInput> => {
    if (process.platform !== 'linux') return () => false;
    try {
      const { default: koffi } = await import('koffi');
      const tcflush = koffi.load('libc.so.6').func('int tcflush(int fd, int queue_selector)') as (
        fd: number,
        queue: number,
      ) => number;
      return (fd) => tcflush(fd, TCIFLUSH) === 0;
    } catch {
      return () => false;
    }
  })();
  return loading;
}
