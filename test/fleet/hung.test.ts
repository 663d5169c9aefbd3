// A hung box (frozen with SIGSTOP: its socket stays open and silent, no FIN, no RST) on a real
// Mosquitto: the fleet view shows it offline within 1.5 × keepalive from its missing heartbeats,
// before the broker's own keepalive check fires the Last Will; shows it online again when it
// wakes; and agrees with the retained state once the Last Will has fired.
import test from 'ava';
import { percentiles } from '../../bench/stats.ts';
import { type FleetView, openFleetView } from '../../src/fleet/view.ts';
import type { Running } from '../helpers/cli.ts';
import { box, FLEET, opsBroker, startBoxProcess, until } from '../uplink/_rig.ts';

const BOXES = [box('B1', 'T1'), box('B1', 'T2'), box('B2', 'T1')];
const KEEPALIVE_S = 5;
const BAR_MS = KEEPALIVE_S * 1500;

const rowOf = (view: FleetView, key: string) =>
  view.model.rows({}, Date.now()).find((r) => `${r.branch}/${r.till}` === key);

test.serial(
  'a SIGSTOPped box is shown offline within 1.5 × keepalive, online again on SIGCONT, and as its Last Will says after',
  async (t) => {
    t.timeout(120_000);
    const ops = await opsBroker(t, BOXES);
    const procs: Running[] = [];
    t.teardown(() => {
      for (const p of procs) {
        p.child.kill('SIGCONT');
        p.child.kill('SIGKILL');
      }
    });
    for (const b of BOXES) procs.push(startBoxProcess(ops, b, { uplink: { keepalive_s: KEEPALIVE_S } }));
    await Promise.all(procs.map((p) => p.ready));

    const view = await openFleetView({ url: ops.url, ...FLEET, prefix: 'edge', reconnect: true });
    t.teardown(() => view.client.endAsync(true));
    const keys = BOXES.map((b) => `${b.branch}/${b.till}`);
    // The view judges silence only of boxes it has heard beat (src/fleet/model.ts).
    const beat = new Set<string>();
    view.client.on('message', (topic: string) => {
      if (topic.endsWith('/heartbeat')) beat.add(topic.split('/').slice(1, 3).join('/'));
    });
    await until(
      'all online and beating',
      () => keys.every((k) => rowOf(view, k)?.state === 'online' && beat.has(k)) || undefined,
      15_000,
    );

    // Watch every till every 25 ms: when each is shown offline, and whether a running one ever is.
    const shownOffline = new Map<string, number>();
    const falseAlarms: string[] = [];
    let frozen: string | null = null;
    const poll = setInterval(() => {
      const now = Date.now();
      for (const r of view.model.rows({}, now)) {
        const k = `${r.branch}/${r.till}`;
        if (r.state !== 'offline') continue;
        if (k === frozen) {
          if (!shownOffline.has(k)) shownOffline.set(k, now);
        } else falseAlarms.push(k);
      }
    }, 25);
    t.teardown(() => clearInterval(poll));

    const samples: number[] = [];
    for (let round = 0; round < 2; round++) {
      for (const [i, k] of keys.entries()) {
        shownOffline.delete(k);
        frozen = k;
        const at = Date.now();
        procs[i]!.child.kill('SIGSTOP');
        const seen = await until('shown offline', () => shownOffline.get(k), BAR_MS * 3);
        samples.push(seen - at);
        t.like(rowOf(view, k), { state: 'offline', silent: true });
        procs[i]!.child.kill('SIGCONT');
        // Awake before the broker gave up on it: its next heartbeat brings it back.
        await until('online again', () => rowOf(view, k)?.state === 'online' || undefined, BAR_MS);
        frozen = null;
      }
    }
    const p = percentiles(samples);
    t.log(
      `hung box shown offline after (ms): p50 ${p.p50} p99 ${p.p99} max ${p.max} (n ${p.n}, bar ${BAR_MS})`,
    );
    t.true(p.max <= BAR_MS, `every hung box shown offline within 1.5 × keepalive: ${samples.join(', ')} ms`);
    t.deepEqual(falseAlarms, [], 'no running box was ever shown offline');

    // Frozen for good: the broker's keepalive check fires the Last Will, and the view says the same
    // as the retained state (offline, no longer merely silent); on waking it reconnects, online.
    const [k0] = keys;
    frozen = k0!;
    procs[0]!.child.kill('SIGSTOP');
    const stoppedAt = Date.now();
    await until('silent', () => rowOf(view, k0!)?.silent || undefined, BAR_MS);
    await until('Last Will', () => (rowOf(view, k0!)?.silent === false ? true : undefined), 30_000);
    t.log(
      `Mosquitto's Last Will for the hung box after ${Date.now() - stoppedAt} ms (keepalive ${KEEPALIVE_S} s)`,
    );
    t.like(rowOf(view, k0!), { state: 'offline', silent: false });
    const fresh = await openFleetView({ url: ops.url, ...FLEET, prefix: 'edge', reconnect: false });
    await fresh.settled(300);
    t.like(rowOf(fresh, k0!), { state: 'offline', silent: false });
    await fresh.client.endAsync(true);
    procs[0]!.child.kill('SIGCONT');
    await until('reconnected', () => rowOf(view, k0!)?.state === 'online' || undefined, 30_000);
    frozen = null;
    t.deepEqual(falseAlarms, []);
  },
);
