// An immediate TCP ACK once a till's PUBACK has been read (TCP_QUICKACK, tcp(7)).
//
// Why (issue 7 item 5, DESIGN §10 "a default mqtt.js till measured"): a till whose socket has
// Nagle on (mqtt.js as it comes, most till libraries) sends its request at QoS 0, hears the answer
// at QoS 1 and acknowledges it. That PUBACK is then the last segment on the wire, and the box has
// nothing to send back, so Linux delays its ACK (40 ms, delayed ACK); Nagle holds the till's next
// request until that ACK arrives: every request took 44 ms. Setting TCP_QUICKACK on the box's
// socket sends the pending ACK at once and the next request leaves. (QoS 1 requests are already
// covered: the box's own PUBACK goes out after the till's and carries the ACK; src/mqtt/acks.ts.)
//
// Measured (bench/queued.ts, default mqtt.js till, requests at QoS 0, loaded 2-core machine): 47 ms
// per request before, 3.7 ms after (the same as a tuned till in that run). The option is not sticky — the kernel leaves quick-ACK
// mode again as soon as it sees request/response traffic — so it is set after every PUBACK read,
// one setsockopt(2) of ~2 µs. Node has no setsockopt, so libc's is called through koffi (already
// the box's FFI for sd_notify, prebuilt for arm64/armhf/x64). Where koffi or glibc is missing,
// nothing changes but the 40 ms; a till with Nagle off never needs it (README, "For till developers").
import type { Duplex } from 'node:stream';
import type { Logger } from '../log.ts';

const IPPROTO_TCP = 6;
const TCP_QUICKACK = 12;

type SetSockOpt = (fd: number, level: number, name: number, value: number[], length: number) => number;

/** Sends a pending ACK on `conn` now; false when it could not (not a TCP socket, no FFI). */
export type QuickAck = (conn: Duplex) => boolean;

export const noQuickAck: QuickAck = () => false;

/** Loads the FFI once; resolves to `noQuickAck` (logged at debug) where it cannot work. */
export async function loadQuickAck(log: Logger): Promise<QuickAck> {
  if (process.platform !== 'linux') return noQuickAck;
  let setsockopt: SetSockOpt;
  try {
    const { default: koffi } = await import('koffi');
    const libc = koffi.load('libc.so.6');
    setsockopt = libc.func(
      'int setsockopt(int fd, int level, int name, const int *value, uint32_t length)',
    ) as SetSockOpt;
  } catch (err) {
    log.debug('tcp quick ack unavailable: tills with Nagle on wait for delayed ACKs', { error: err });
    return noQuickAck;
  }
  const one = [1];
  return (conn) => {
    const fd = (conn as { _handle?: { fd?: unknown } })._handle?.fd;
    return typeof fd === 'number' && fd >= 0 && setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, one, 4) === 0;
  };
}

/**
 * A quick ACK that may wait `delayMs`; the ones due then go out together from one timer.
 *
 * Why (DESIGN §10 scan latency): a forced ACK is a segment built, sent and received over loopback
 * within setsockopt(2) — measured ~12 µs of the gateway's event loop per scan in bench
 * scan_latency, right when the next scan arrives. For the PUBACK of a till that has not been sending
 * requests (one listening to scans), no request is known to be waiting behind the ACK: a till that
 * publishes within the delay waits at most that long (not the 40 ms of a delayed ACK), and when the
 * box sends the till a packet first (the next scan) that packet carries the ACK and the call finds
 * nothing to send. A till busy with requests gets its ACKs at once (src/mqtt/broker.ts).
 */
export function deferredQuickAck(quickAck: QuickAck, delayMs: number): (conn: Duplex) => void {
  const due = new Set<Duplex>();
  let timer: NodeJS.Timeout | undefined;
  const fire = () => {
    timer = undefined;
    for (const conn of due) quickAck(conn);
    due.clear();
  };
  return (conn) => {
    due.add(conn);
    if (timer !== undefined) return;
    timer = setTimeout(fire, delayMs);
    // The connection keeps the process alive, not an ACK that is due.
    timer.unref();
  };
}
