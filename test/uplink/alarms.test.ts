// Ops alarms from health documents: each condition raised once when it starts, cleared once when it ends.
import test from 'ava';
import type { UplinkHealth } from '../../src/mqtt/topics.ts';
import { alarmConditions, createAlarmTracker } from '../../src/uplink/alarms.ts';

const thresholds = { maxDepth: 100, depthWarn: 10, ageWarnS: 60, diskLowFreePct: 10 };

function health(
  patch: {
    outbox?: Partial<UplinkHealth['outbox']>;
    cloud?: Partial<UplinkHealth['cloud']>;
    devices?: UplinkHealth['devices'];
    disk_used_pct?: number;
  } = {},
): UplinkHealth {
  return {
    ts: '2026-01-01T00:00:00.000Z',
    version: '0.0.0',
    interval_s: 60,
    cloud: {
      provider: 'p',
      simulated: false,
      state: 'up',
      last_ok_at: null,
      last_error: null,
      circuit: 'closed',
      ...patch.cloud,
    },
    outbox: { depth: 0, oldest_age_s: 0, dead: 0, alarms: [], ...patch.outbox },
    devices: patch.devices ?? [
      { id: 'scanner-1', profile: 'generic-serial', transport: 'serial', state: 'online' },
    ],
    system: {
      cpu_temp_c: null,
      load_1m: 0,
      load_5m: 0,
      mem_used_pct: 10,
      process_rss_mb: 50,
      disk_free_mb: 1000,
      disk_used_pct: patch.disk_used_pct ?? 50,
      uptime_s: 1,
      sampled_at: '2026-01-01T00:00:00.000Z',
    },
  };
}

const codes = (h: UplinkHealth) =>
  alarmConditions(h, thresholds).map((c) => (c.subject ? `${c.code}:${c.subject}` : c.code));

test('a healthy box has no alarm', (t) => {
  t.deepEqual(codes(health()), []);
});

test('each condition has its code', (t) => {
  t.deepEqual(codes(health({ outbox: { depth: 10 } })), ['outbox_depth_high']);
  t.deepEqual(codes(health({ outbox: { depth: 100 } })), ['outbox_full']);
  t.deepEqual(codes(health({ outbox: { oldest_age_s: 60 } })), ['outbox_age_high']);
  t.deepEqual(codes(health({ outbox: { dead: 1 } })), ['outbox_dead_letters']);
  t.deepEqual(
    codes(health({ cloud: { state: 'down', last_error: { code: 'provider_timeout', at: 'x' } } })),
    ['provider_down'],
  );
  t.deepEqual(
    codes(
      health({
        devices: [
          { id: 'scanner-1', profile: 'x', transport: 'serial', state: 'offline' },
          { id: 'r', profile: 'y', transport: 'hid-pos', state: 'error' },
        ],
      }),
    ),
    ['device_lost:scanner-1', 'device_lost:r'],
  );
  t.deepEqual(codes(health({ disk_used_pct: 91 })), ['disk_low']);
  t.deepEqual(codes(health({ disk_used_pct: 89 })), []);
  t.is(alarmConditions(health({ disk_used_pct: 97 }), thresholds)[0]!.severity, 'critical');
  t.deepEqual(codes(health({ disk_used_pct: 99 })).length, 1);
  t.deepEqual(alarmConditions(health({ disk_used_pct: 99 }), { ...thresholds, diskLowFreePct: 0 }), []);
});

test('the tracker raises a condition once and clears it once, per code and subject', (t) => {
  const tr = createAlarmTracker();
  const step = (h: UplinkHealth) => {
    const { raised, cleared } = tr.update(alarmConditions(h, thresholds));
    return {
      raised: raised.map((c) => c.subject ?? c.code),
      cleared: cleared.map((c) => c.subject ?? c.code),
    };
  };
  const lost = (...ids: string[]) =>
    health({
      devices: ['a', 'b'].map((id) => ({
        id,
        profile: 'x',
        transport: 'serial',
        state: ids.includes(id) ? 'offline' : 'online',
      })),
    });
  t.deepEqual(step(lost()), { raised: [], cleared: [] });
  t.deepEqual(step(lost('a')), { raised: ['a'], cleared: [] });
  t.deepEqual(step(lost('a')), { raised: [], cleared: [] });
  t.deepEqual(step(lost('a', 'b')), { raised: ['b'], cleared: [] });
  t.deepEqual(step(lost('b')), { raised: [], cleared: ['a'] });
  t.deepEqual(step(lost()), { raised: [], cleared: ['b'] });
  t.deepEqual(tr.active(), []);
});
