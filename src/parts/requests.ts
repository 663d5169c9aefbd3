// The till's requests (DESIGN §3): one router answers every request exactly once. Two parts: the
// router (handlers register on it), and its subscription on the till broker, started before the
// slower parts so a request that arrives early is answered, never dropped. A new router holds its
// requests until the parts after it are up (the gateway's start, or the apply that made it new):
// a till reconnecting to a restarted box resends at once, and a turnover answered `unavailable`
// because loyalty had not registered yet is a booking the till gives up on. Only an op whose part
// is still not up after the hold limit hears `unavailable`. Split so that a broker restart (new
// till logins) re-subscribes without a new router: loyalty keeps its handlers and the replay cache
// keeps its answers. The router itself is never restarted by applying settings: it reads its one
// setting (the request size limit) at each request. A new router would mean a moment with no
// subscription on the request topics (a request then is heard by nobody, and a QoS 1 one never
// acknowledged, so never resent), and an old router whose loyalty handlers are gone before its
// subscription ends (test/parts/apply-gap.test.ts); kept, it is held by the apply instead. The router is closed by the `online` part, which stops first: requests are
// refused before the outbox closes.
import { frameFromText } from '../classify/index.ts';
import { createRequestRouter } from '../mqtt/requests.ts';
import { filterOf, matchTopic } from '../mqtt/topics.ts';
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

export const tillRequestsPart: Part = {
  name: 'till-requests',
  uses: ['broker', 'router'],
  async start(ctx) {
    const router = ctx.router;
    const unsubscribe = await ctx.broker.subscribe(filterOf(ctx.base, 'request'), (topic, payload) => {
      const op = matchTopic(ctx.base, 'request', topic)?.op;
      // Settles once answered: a QoS 1 request is acknowledged then (src/mqtt/acks.ts).
      return op === undefined ? undefined : router.dispatch(op, payload);
    });
    // Ended when the broker restarts (its subscriptions end with it) and when the gateway stops.
    return { stop: unsubscribe };
  },
};
