// The DUP flag on what a persistent till is sent again (MQTT 3.1.1 section 3.3.1.1, MQTT-3.3.1-1:
// set when the server re-delivers a PUBLISH). aedes sends a returning till its queue from its persistence
// with the flag each packet was published with, always 0. A queued packet that was sent before has
// a message id: aedes sets it on the stored copy as it sends (`outgoingUpdate`) and removes the copy
// at the PUBACK. So the queue's read (`outgoingStream`: at a reconnect, and to empty a clean
// session's queue, which goes by message id) marks those as DUP; one queued while the till was away
// and never sent has none and goes without. Only the queue's read pays; no live message is touched.
import { Readable } from 'node:stream';

interface QueuedPacket {
  messageId?: number;
  dup?: boolean;
}

interface OutgoingStore {
  outgoingStream(client: { id: string }): AsyncIterable<QueuedPacket>;
}

/** Wraps `persistence` (aedes' memory persistence) once, when it is made. */
export function markRedeliveries(persistence: unknown): void {
  const store = persistence as OutgoingStore;
  const read = store.outgoingStream.bind(store);
  store.outgoingStream = (client) =>
    Readable.from(
      (async function* () {
        for await (const packet of read(client)) {
          // Positive: a packet id (our removal marks are negative, src/mqtt/offline-sessions.ts).
          yield (packet.messageId ?? 0) > 0 ? { ...packet, dup: true } : packet;
        }
      })(),
      { objectMode: true },
    );
}
