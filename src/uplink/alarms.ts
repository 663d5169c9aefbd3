// Ops alarms (DESIGN §8 `.../events`) derived from the box's health: every health the uplink sends
// is checked against the conditions below, and a condition that starts or ends becomes one `raised`
// or `cleared` event with a stable code (and subject, for devices), so a fleet view or an alert
// rule can pair them. Pure: no clock, no I/O.
import type { UplinkEvent, UplinkHealth } from '../mqtt/topics.ts';
import { evaluateWatermarks, type Watermarks } from '../outbox/watermarks.ts';

export type AlarmCondition = Pick<
  UplinkEvent,
  'code' | 'severity' | 'message' | 'subject' | 'value' | 'threshold'
>;

export interface AlarmThresholds extends Watermarks {
  /** The outbox cap (`buffer_full`): a full outbox is critical. */
  maxDepth: number;
  /** disk_low below this share of free space on the data directory's disk (0 = off). */
  diskLowFreePct: number;
}

/** The conditions that hold for one health document. */
export function alarmConditions(h: UplinkHealth, t: AlarmThresholds): AlarmCondition[] {
  const out: AlarmCondition[] = evaluateWatermarks(
    { depth: h.outbox.depth, oldestAgeS: h.outbox.oldest_age_s, dead: h.outbox.dead, maxDepth: t.maxDepth },
    t,
  ).map((a) => ({
    code: a.code,
    severity: a.severity,
    message: a.message,
    value: a.value,
    threshold: a.threshold,
  }));
  if (h.cloud.state === 'down') {
    const reason = h.cloud.last_error?.code ?? 'unknown';
    out.push({
      code: 'provider_down',
      severity: 'warning',
      message: `loyalty provider ${h.cloud.provider} unreachable (${reason}); bookings are queued`,
    });
  }
  for (const d of h.devices) {
    if (d.state === 'online') continue;
    out.push({
      code: 'device_lost',
      severity: 'warning',
      subject: d.id,
      message: `device ${d.id} (${d.profile}) is ${d.state}`,
    });
  }
  const usedPct = h.system.disk_used_pct;
  if (typeof usedPct === 'number' && t.diskLowFreePct > 0 && 100 - usedPct < t.diskLowFreePct) {
    const freePct = Math.round((100 - usedPct) * 10) / 10;
    out.push({
      code: 'disk_low',
      severity: freePct < t.diskLowFreePct / 2 ? 'critical' : 'warning',
      message: `data disk has ${freePct} % free (${h.system.disk_free_mb ?? '?'} MB)`,
      value: freePct,
      threshold: t.diskLowFreePct,
    });
  }
  return out;
}

const keyOf = (c: AlarmCondition) => `${c.code}\u0000${c.subject ?? ''}`;

/** Remembers the active conditions; `update` returns what started and what ended since last time. */
export function createAlarmTracker() {
  let active = new Map<string, AlarmCondition>();
  return {
    update(conditions: AlarmCondition[]): { raised: AlarmCondition[]; cleared: AlarmCondition[] } {
      const next = new Map(conditions.map((c) => [keyOf(c), c]));
      const raised = conditions.filter((c) => !active.has(keyOf(c)));
      const cleared = [...active].filter(([k]) => !next.has(k)).map(([, c]) => c);
      active = next;
      return { raised, cleared };
    },
    active: () => [...active.values()],
  };
}
