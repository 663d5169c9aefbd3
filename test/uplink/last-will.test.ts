// A box that dies cannot say goodbye: the broker says it for it (the Last Will), and the box says
// on its next start that it had crashed (DESIGN §8 state and events).
import test from 'ava';
import { uplinkEventSchema } from '../../src/mqtt/topics.ts';
import { tempDir } from '../helpers/gateway.ts';
import { box, opsBroker, startBoxProcess, watch } from './_rig.ts';

const T7 = box('B2', 'T7');
const KEEPALIVE_S = 5;

test.serial(
  'SIGKILL of the gateway: the Last Will says offline; the next start reports the crash',
  async (t) => {
    t.timeout(90_000);
    const ops = await opsBroker(t, [T7]);
    const live = await watch(t, ops, 'edge/B2/T7/#');
    const dataDir = tempDir();
    const startChild = () => startBoxProcess(ops, T7, { dataDir, uplink: { keepalive_s: KEEPALIVE_S } });
    const state = () =>
      live.rec.messages.filter((m) => m.topic === 'edge/B2/T7/state').map((m) => m.payload.state);

    const first = startChild();
    t.teardown(() => first.child.kill('SIGKILL'));
    await first.ready;
    await live.rec.until((m) => m.topic === 'edge/B2/T7/state' && m.payload.state === 'online', 10_000);

    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    await first.exited;
    await live.rec.until((m) => m.topic === 'edge/B2/T7/state' && m.payload.state === 'offline', 15_000);
    t.true(Date.now() - killedAt <= KEEPALIVE_S * 1500, 'offline within 1.5 × keepalive');
    t.deepEqual(state(), ['online', 'offline']);
    t.false(
      live.rec.messages.some((m) => m.topic === 'edge/B2/T7/events'),
      'no events before the restart',
    );

    const second = startChild();
    t.teardown(() => second.child.kill('SIGKILL'));
    await second.ready;
    const crash = await live.rec.until((m) => m.topic === 'edge/B2/T7/events', 10_000);
    t.like(uplinkEventSchema.parse(crash.payload), { code: 'restarted_after_crash', state: 'once' });
    await live.rec.until((m) => m.topic === 'edge/B2/T7/state' && state().length === 3, 10_000);

    second.child.kill('SIGTERM');
    t.is(await second.exited, 0);
    await live.rec.until((m) => m.topic === 'edge/B2/T7/state' && state().length === 4, 5000);
    t.deepEqual(state(), ['online', 'offline', 'online', 'offline']);

    // A clean stop leaves no crash behind: the third start reports none.
    const third = startChild();
    t.teardown(() => third.child.kill('SIGKILL'));
    await third.ready;
    await live.rec.until((m) => m.topic === 'edge/B2/T7/state' && state().length === 5, 10_000);
    third.child.kill('SIGTERM');
    t.is(await third.exited, 0);
    await live.rec.until((m) => m.topic === 'edge/B2/T7/state' && state().length === 6, 5000);
    const crashes = live.rec.messages.filter(
      (m) => m.topic === 'edge/B2/T7/events' && m.payload.code === 'restarted_after_crash',
    );
    t.is(crashes.length, 1);
  },
);
