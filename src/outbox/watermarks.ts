// Ops alarms from the outbox figures (DESIGN §5 "warnings at configurable depth/age watermarks go to
// ops"; §8 `.../events`). Pure: the uplink decides when to sample and how to publish; a stable `code`
// lets a fleet view raise and clear the same alarm.

export interface OutboxFigures {
  depth: number;
  oldestAgeS: number;
  dead: number;
  /** The `buffer_full` cap, when known: a full outbox is reported as such. */
  maxDepth?: number;
}

export interface Watermarks {
  /** Warn when this many jobs (pending + inflight) wait. */
  depthWarn: number;
  /** Warn when the oldest undelivered job is this old (seconds). */
  ageWarnS: number;
  /** Warn when this many dead letters wait for a technician. Default 1: every dead letter needs one. */
  deadWarn?: number;
}

export type OutboxAlarmCode = 'outbox_full' | 'outbox_depth_high' | 'outbox_age_high' | 'outbox_dead_letters';

export interface OutboxAlarm {
  code: OutboxAlarmCode;
  severity: 'warning' | 'critical';
  message: string;
  value: number;
  threshold: number;
}

/**
 * The alarms that hold for these figures; empty when all is well. A threshold of 0 (or garbage)
 * disables its alarm; garbage figures raise nothing.
 */
export function evaluateWatermarks(figures: OutboxFigures, marks: Watermarks): OutboxAlarm[] {
  const alarms: OutboxAlarm[] = [];
  const { depth, oldestAgeS, dead, maxDepth } = figures;
  if (pos(maxDepth) && num(depth) && depth >= maxDepth) {
    alarms.push({
      code: 'outbox_full',
      severity: 'critical',
      message: `outbox is full (${depth} of ${maxDepth}); new bookings are refused with buffer_full`,
      value: depth,
      threshold: maxDepth,
    });
  } else if (num(depth) && pos(marks.depthWarn) && depth >= marks.depthWarn) {
    alarms.push({
      code: 'outbox_depth_high',
      severity: 'warning',
      message: `${depth} jobs wait for delivery (watermark ${marks.depthWarn})`,
      value: depth,
      threshold: marks.depthWarn,
    });
  }
  if (num(oldestAgeS) && pos(marks.ageWarnS) && oldestAgeS >= marks.ageWarnS) {
    alarms.push({
      code: 'outbox_age_high',
      severity: 'warning',
      message: `oldest undelivered job is ${oldestAgeS} s old (watermark ${marks.ageWarnS} s)`,
      value: oldestAgeS,
      threshold: marks.ageWarnS,
    });
  }
  const deadWarn = marks.deadWarn ?? 1;
  if (num(dead) && pos(deadWarn) && dead >= deadWarn) {
    alarms.push({
      code: 'outbox_dead_letters',
      severity: 'warning',
      message: `${dead} dead letter${dead === 1 ? '' : 's'} wait for a technician (retry or discard)`,
      value: dead,
      threshold: deadWarn,
    });
  }
  return alarms;
}

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const pos = (v: unknown): v is number => num(v) && v > 0;
