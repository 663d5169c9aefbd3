// aedes' emitter (mqemitter) runs at most `concurrency` (100) deliveries at once and queues the
// rest; when a message's deliveries are all done it takes the next from the queue in the same call
// (`released` → `_do` → fastparallel → the listeners' callbacks → `released`). A message that no
// listener matches is done at once, so a backlog of them drains as one recursion, a few stack
// frames per message: 8,000 scans queued behind a till that stopped reading, with no other till
// subscribed, overflowed the stack when its connection closed and the slots freed (an uncaught
// `RangeError` that ended the process; test/mqtt/backlog-drain.test.ts). aedes' own client
// deliveries call back in a later turn (lib/client.js `deliver0`/`deliverQoS`), so only a message
// with no such listener recurses. One listener on every topic that calls back from a microtask
// gives each message a delivery that is never done within the emit: each `released` then starts
// from the microtask queue with an empty stack. A microtask, not setImmediate: a message nobody
// hears is done in the same turn as before, and a scan to a till waits for that till's own
// deliveries as before (docs/stack-notes.md). No message is dropped or delayed by a turn.

/** The part of aedes' mqemitter used here. */
interface Emitter {
  on(topic: string, listener: (message: unknown, done: () => void) => void): unknown;
}

// The emitter calls a listener with (message, done), or with (done) alone when it takes one argument.
const doneSoon = (_message: unknown, done: () => void) => queueMicrotask(done);

/** Every message emitted is done after the emit returns, never inside it (for the emitter's life). */
export function drainWithoutRecursion(mq: Emitter): void {
  mq.on('#', doneSoon);
}
