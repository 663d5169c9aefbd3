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
 * A quick ACK that may wait `delayMs`; the ones due then go out together from one timer, and one
 * the box overtakes by writing to that connection first is dropped.
 *
 * Why (DESIGN §10 scan latency): a forced ACK is a segment built, sent and received over loopback
 * within setsockopt(2) — measured ~12 µs of the gateway's event loop per scan in bench
 * scan_latency, right when the next scan arrives. For the PUBACK of a till that has not been sending
 * requests (one listening to scans), no request is known to be waiting behind the ACK: a till that
 * publishes within the delay waits at most that long (not the 40 ms of a delayed ACK), and when the
 * box sends the till a packet first (the next scan) that packet carries the ACK. A till busy with
 * requests gets its ACKs at once (src/mqtt/broker.ts).
 *
 * Overtaken ACKs are dropped, not sent late: aedes writes every packet through the connection's
 * `write`, so that call is watched (once per connection), and a write to a connection whose ACK is
 * due takes it off the list — with nothing left due, the timer is cleared. Why: a till listening
 * to a scanner PUBACKs each scan, and the next scan usually goes out within the delay; the timer
 * then woke the event loop once per scan for a setsockopt that found nothing to send (strace over
 * 1,000 scans of bench scan_latency's rig, same load: 717 setsockopt(2) and 2,287 epoll waits
 * before, 42 and 1,514 after — the floor forwarder's 1,615). Main-thread CPU per scan moved by
 * less than bench/scan-cost-ab.ts can tell on the shared 2-core machine (±3 %). A write into a full socket
 * (`writableNeedDrain`: the data waits in the process, not on the wire) leaves the ACK due.
 */
export function deferredQuickAck(quickAck: QuickAck, delayMs: number): (conn: Duplex) => void {
  const due = new Set<Duplex>();
  const watched = new WeakSet<Duplex>();
  let timer: NodeJS.Timeout | undefined;
  const fire = () => {
    timer = undefined;
    for (const conn of due) quickAck(conn);
    due.clear();
  };
  const overtaken = (conn: Duplex) => {
    if (!due.delete(conn) || due.size > 0 || timer === undefined) return;
    clearTimeout(timer);
    timer = undefined;
  };
  const watch = (conn: Duplex) => {
    watched.add(conn);
    const write = conn.write;
    conn.write = function (this: Duplex, ...args: Parameters<Duplex['write']>) {
      if (due.size > 0 && !conn.writableNeedDrain) overtaken(conn);
      return write.apply(this, args);
    } as Duplex['write'];
  };
  return (conn) => {
    if (!watched.has(conn)) watch(conn);
    due.add(conn);
    if (timer !== undefined) return;
    timer = setTimeout(fire, delayMs);
    // The connection keeps the process alive, not an ACK that is due.
    timer.unref();
  };
}
