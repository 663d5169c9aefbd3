// The request router on its own: what it answers once the gateway is stopping.
import test from 'ava';
import { createRequestRouter } from '../../src/mqtt/requests.ts';
import type { ResponseEnvelope } from '../../src/mqtt/topics.ts';
import { collectingLogger } from '../helpers/gateway.ts';

test('once closed, every request is answered unavailable and no handler runs', async (t) => {
  const answers: [string, ResponseEnvelope][] = [];
  const router = createRequestRouter({
    logger: collectingLogger().logger,
    maxPayloadBytes: () => 65536,
    respond: (op, response) => {
      answers.push([op, response]);
    },
  });
  let ran = 0;
  router.handle('gateway/test_scan', () => {
    ran++;
    return { scan_id: 'x' };
  });
  await router.dispatch('gateway/test_scan', Buffer.from('{"transaction":"before","text":"A"}'));
  router.close();
  await router.dispatch('gateway/test_scan', Buffer.from('{"transaction":"after","text":"B"}'));
  await router.dispatch('gateway/test_scan', Buffer.from('not json'));
  t.is(ran, 1);
  t.deepEqual(
    answers.map(([op, a]) => [op, a.transaction, a.status, a.error?.code ?? null]),
    [
      ['gateway/test_scan', 'before', 'ok', null],
      ['gateway/test_scan', 'after', 'error', 'unavailable'],
      ['gateway/test_scan', null, 'error', 'unavailable'],
    ],
  );
});
