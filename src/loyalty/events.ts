// The later outcome of a request the till heard `queued` for (DESIGN §3 `event/loyalty/*`): one
// event per delivered or dead job, on the registry topic of its kind, unless the till is still
// waiting inside its window (then the outcome is its response instead).
import type { Publish } from '../mqtt/publish.ts';
import type { OutboxErrorInfo, OutboxJob } from '../outbox/types.ts';
import { answerFor, type QueuedKind } from './handlers/queue.ts';

export function publishDelivered(publish: Publish, job: OutboxJob, result: unknown): Promise<void> {
  const transaction = job.key;
  const kind = job.kind as QueuedKind;
  switch (kind) {
    case 'turnover': {
      // The response said `queued`; the event is the booking itself (DESIGN §3: no state field).
      const { state: _booked, ...booked } = answerFor(kind, result);
      return publish('bookedEvent', { transaction, ...booked });
    }
    case 'reverse':
      return publish('reversedEvent', { transaction, ...answerFor(kind, result) });
    case 'void_redemption':
      return publish('voidedEvent', { transaction, ...answerFor(kind, result) });
    case 'redeem':
      return publish('redeemedEvent', { transaction, ...answerFor(kind, result) });
  }
}

export function publishFailed(publish: Publish, job: OutboxJob, error: OutboxErrorInfo): Promise<void> {
  return publish('failedEvent', {
    transaction: job.key,
    kind: job.kind as QueuedKind,
    error: { code: error.code, message: error.message },
  });
}
