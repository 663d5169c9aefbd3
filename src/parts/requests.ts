// The till's requests (DESIGN §3): one router answers every request exactly once. Handlers register
// on it; the till broker hands it every request (src/parts/broker.ts), subscribed before the broker
// listens, so a request that arrives early is answered, never dropped.
//
// The router holds its requests until every part is up (the gateway's start): a till reconnecting
// to a restarted box resends at once, and a turnover answered `unavailable` because loyalty had not
// registered yet is a booking the till gives up on. An apply holds it the same way while parts
// restart. Only an op whose part is still not up after the hold limit hears `unavailable`.
//
// The router outlives every apply: it reads its one setting (the request size limit) at each
// request, and a broker restart (new till logins) subscribes the same router again, so loyalty keeps
// its handlers and the replay cache its answers. A new router would mean a moment with no
// subscription on the request topics (a request heard by nobody; a QoS 1 one never acknowledged, so
// never resent) and an old router whose loyalty handlers are gone before its subscription ends
// (test/parts/apply-gap.test.ts). It is closed by the `online` part, which stops first: requests
// are refused before the outbox closes.
import { frameFromText } from '../classify/index.ts';
import { createRequestRouter } from '../mqtt/requests.ts';
import type { Part } from './part.ts';

export const requestsPart: Part = {
  name: 'requests',
  start(ctx) {
    const router = createRequestRouter({
      logger: ctx.logger.child({ part: 'requests' }),
      maxPayloadBytes: () => ctx.settings.mqtt.max_payload_bytes,
      respond: (op, response) => {
        ctx.bus.emit('answered', { op, response });
        return ctx.publish('response', response, { op });
      },
    });
    router.handle('gateway/test_scan', (args) => {
      const scan = ctx.scans.ingest(
        { deviceId: args.device_id ?? 'test', profile: 'test', transport: 'test' },
        frameFromText(args.text),
      );
      return { scan_id: scan?.event.id ?? null };
    });
    // Released once every part is up; at the latest after HOLD_LIMIT_MS (src/mqtt/requests.ts).
    const release = router.hold();
    const off = ctx.bus.on('started', release);
    ctx.provide('router', router);
    return {
      stop() {
        off();
        release();
      },
    };
  },
};
