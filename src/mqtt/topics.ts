// The topic registry: the only place that knows topic strings (DESIGN §3, §11). Routing (which
// requests exist), ACLs (what a till may publish and subscribe) and payload types all come from
// here. Topics are relative to a till's base `<prefix>/<tillId>`.
import { z } from 'zod';
import {
  classificationKinds,
  gs1DetailsSchema,
  productDetailsSchema,
  uidDetailsSchema,
} from '../classify/classification.ts';
import { SCAN_WARNING_CODES } from '../classify/warnings.ts';
import { ERROR_CODES, type ErrorCode } from '../errors.ts';

export type Direction = 'box_to_till' | 'till_to_box';

export interface TopicDef<S extends z.ZodType = z.ZodType> {
  /** Relative pattern; `{name}` is one level, `{name*}` one or more levels. */
  pattern: string;
  direction: Direction;
  retain: boolean;
  qos: 0 | 1;
  schema: S;
  doc: string;
}

const onlineState = z.object({ state: z.enum(['online', 'offline']) });

export const scanSchema = z.object({
  id: z.string(),
  seq: z.number().int(),
  ts: z.string(),
  device_id: z.string(),
  profile: z.string(),
  transport: z.string(),
  symbology: z.string().nullable(),
  aim: z.string().nullable(),
  kind: classificationKinds,
  /** As decoded (a UID reader's text as typed: the identity is `uid.canonical`); null for a card. */
  text: z.string().nullable(),
  loyalty: z.object({ pattern: z.string(), token_masked: z.string(), kind: z.string() }).optional(),
  /** The classifier's details, present for their kind: `uid` (also on a loyalty UID), `gs1`, `product`. */
  uid: uidDetailsSchema.optional(),
  gs1: gs1DetailsSchema.optional(),
  product: productDetailsSchema.optional(),
  /** Codes from the catalogue in src/classify/warnings.ts (the README's table). */
  warnings: z.array(z.enum(SCAN_WARNING_CODES)),
});
export type ScanEvent = z.infer<typeof scanSchema>;

/** `{code, message}` of an error; `code` is one of the catalogue in src/errors.ts. */
const errorSchema = z.object({
  code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});

export const responseSchema = z.object({
  transaction: z.union([z.string(), z.number(), z.null()]),
  status: z.enum(['ok', 'error']),
  data: z.unknown(),
  error: errorSchema.optional(),
});
export type ResponseEnvelope = z.infer<typeof responseSchema>;

const deviceSchema = z.object({
  id: z.string(),
  profile: z.string(),
  transport: z.string(),
  path: z.string(),
  vendor_id: z.string().optional(),
  product_id: z.string().optional(),
  product: z.string().optional(),
  state: z.enum(['online', 'offline', 'error']),
  reason: z.string().optional(),
  since: z.string(),
});

// Later outcomes of requests answered `queued` (DESIGN §3): one topic each, so the till's types,
// the docs and the ACLs all come from this table. `transaction` is the till's, as a string.
const transaction = z.string();
const points = z.number().int();
const tillDiscount = z.object({
  kind: z.string(),
  percent: z.number().optional(),
  amount_cents: z.number().int().optional(),
  currency: z.string().optional(),
  points: points.optional(),
  item: z.string().optional(),
});
// The identify result (DESIGN §2 flow 1, §3 `loyalty/customer` and the `loyalty/identify` data):
// the till's names for src/loyalty/till-payloads.ts, which is typed by these schemas.
const tillValue = z.strictObject({
  percent: z.number().optional(),
  amount_cents: z.number().int().optional(),
  currency: z.string().optional(),
  points: points.optional(),
  item: z.string().optional(),
});
export const tillRewardSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  /** `other`: a kind the provider added that this gateway does not know yet. */
  kind: z.enum(['discount', 'stamp', 'bonus_points', 'prepaid', 'voucher', 'other']),
  activated: z.boolean(),
  valid_from: z.string().nullable(),
  valid_until: z.string().nullable(),
  /** Uses left; null = unlimited. */
  remaining: z.number().int().nullable(),
  value: tillValue,
  state: z.enum(['available', 'not_activated', 'expired', 'exhausted', 'not_yet_valid']),
  /** Applicable now; an `overridable` one only with `override: true` (DESIGN §2). */
  usable: z.boolean(),
  overridable: z.boolean(),
});
export const tillCustomerSchema = z.strictObject({ ref: z.string(), masked_ref: z.string(), points });
const loyaltyCustomerSchema = z.discriminatedUnion('status', [
  z.strictObject({
    scan_id: z.string(),
    status: z.literal('ok'),
    customer: tillCustomerSchema,
    rewards: z.array(tillRewardSchema),
  }),
  z.strictObject({
    scan_id: z.string(),
    status: z.literal('error'),
    rewards: z.array(tillRewardSchema).max(0),
    error: z.strictObject({
      code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
    }),
  }),
]);

/** The outbox kinds a `loyalty/failed` event can name. */
export const QUEUED_KINDS = ['turnover', 'reverse', 'void_redemption', 'redeem'] as const;

function event<S extends z.ZodType>(name: string, schema: S, doc: string) {
  return {
    pattern: `event/${name}`,
    direction: 'box_to_till',
    retain: false,
    qos: 1,
    schema,
    doc,
  } as const;
}

export const TOPICS = {
  state: {
    pattern: 'gateway/state',
    direction: 'box_to_till',
    retain: true,
    qos: 1,
    schema: onlineState,
    doc: 'Gateway online/offline; offline published on clean stop.',
  },
  info: {
    pattern: 'gateway/info',
    direction: 'box_to_till',
    retain: true,
    qos: 1,
    schema: z.object({
      version: z.string(),
      api_version: z.number().int(),
      till_id: z.string(),
      branch_id: z.string(),
      provider: z.string(),
      demo: z.boolean(),
      config: z.record(z.string(), z.unknown()),
      config_schema: z.record(z.string(), z.unknown()),
    }),
    doc: 'Version, till, branch, provider, config with secrets removed and its JSON Schema.',
  },
  health: {
    pattern: 'gateway/health',
    direction: 'box_to_till',
    retain: true,
    qos: 1,
    schema: z.record(z.string(), z.unknown()),
    doc: 'Cloud link, outbox {depth, oldest_age_s, dead}, devices, system.',
  },
  devices: {
    pattern: 'devices',
    direction: 'box_to_till',
    retain: true,
    qos: 1,
    schema: z.array(deviceSchema),
    doc: 'Attached devices with profile, transport, state.',
  },
  deviceAvailability: {
    pattern: 'device/{device_id}/availability',
    direction: 'box_to_till',
    retain: true,
    qos: 1,
    schema: onlineState,
    doc: 'One device online/offline.',
  },
  scan: {
    pattern: 'scan',
    direction: 'box_to_till',
    retain: false,
    qos: 1,
    schema: scanSchema,
    doc: 'One scan event per scan.',
  },
  loyaltyCustomer: {
    pattern: 'loyalty/customer',
    direction: 'box_to_till',
    retain: false,
    qos: 1,
    schema: loyaltyCustomerSchema,
    doc: 'Identify result after a loyalty scan: `{scan_id, status: "ok", customer, rewards}` or `{scan_id, status: "error", rewards: [], error}`.',
  },
  request: {
    pattern: 'request/{op*}',
    direction: 'till_to_box',
    retain: false,
    qos: 1,
    schema: z.record(z.string(), z.unknown()),
    doc: 'A till request `{transaction, ...args}`.',
  },
  response: {
    pattern: 'response/{op*}',
    direction: 'box_to_till',
    retain: false,
    qos: 1,
    schema: responseSchema,
    doc: 'Exactly one response per request.',
  },
  bookedEvent: event(
    'loyalty/booked',
    z.strictObject({ transaction, points_earned: points, points_balance: points }),
    'A turnover answered `queued` was booked by the provider.',
  ),
  reversedEvent: event(
    'loyalty/reversed',
    z.strictObject({ transaction, state: z.literal('reversed'), points_balance: points.optional() }),
    'A queued reverse (storno) was carried out.',
  ),
  voidedEvent: event(
    'loyalty/voided',
    z.strictObject({ transaction, state: z.literal('voided') }),
    'A queued void of a redemption was carried out.',
  ),
  redeemedEvent: event(
    'loyalty/redeemed',
    z.strictObject({ transaction, redemption_id: z.string(), discount: tillDiscount }),
    'A queued redemption (`outbox.redeem_policy: "queue"`) was carried out.',
  ),
  failedEvent: event(
    'loyalty/failed',
    z.strictObject({
      transaction,
      kind: z.enum(QUEUED_KINDS),
      error: z.strictObject({ code: z.string(), message: z.string() }),
    }),
    "A queued request went to the dead letters; `error.code` is the provider's or the outbox's.",
  ),
} as const satisfies Record<string, TopicDef>;

export type TopicName = keyof typeof TOPICS;

/** What may be published on a topic: its registry schema's input type. */
export type TopicPayload<N extends TopicName> = z.input<(typeof TOPICS)[N]['schema']>;

type ParamsOf<P extends string> = P extends `${string}{${infer K}}${infer Rest}`
  ? (K extends `${infer Multi}*` ? Multi : K) | ParamsOf<Rest>
  : never;
/** The parameters a topic's pattern needs, e.g. `{device_id}` for `device/{device_id}/availability`. */
export type TopicParams<N extends TopicName> = Record<ParamsOf<(typeof TOPICS)[N]['pattern']>, string>;

export function baseTopic(prefix: string, tillId: string): string {
  return `${prefix}/${tillId}`;
}

// Each pattern is split into its levels once, on first use: a till's request is matched (ACL, then
// routing) and its response topic filled per request, with no split of the pattern and no regex.
type Level = { literal: string; param?: undefined } | { param: string; multi: boolean };
const compiled = new Map<TopicName, readonly Level[]>();

function levelsOf(name: TopicName): readonly Level[] {
  let levels = compiled.get(name);
  if (!levels) {
    levels = TOPICS[name].pattern.split('/').map((p): Level => {
      const m = /^\{(\w+)(\*?)\}$/.exec(p);
      return m ? { param: m[1]!, multi: m[2] === '*' } : { literal: p };
    });
    compiled.set(name, levels);
  }
  return levels;
}

/** Fills a pattern: `topicOf(base, 'deviceAvailability', {device_id: 'x'})`. */
export function topicOf(base: string, name: TopicName, params: Record<string, string> = {}): string {
  let topic = base;
  for (const level of levelsOf(name)) {
    if (level.param === undefined) {
      topic += `/${level.literal}`;
      continue;
    }
    const v = params[level.param];
    if (v === undefined || v === '' || v.includes('+') || v.includes('#'))
      throw new Error(`topic ${name}: bad parameter ${level.param}`);
    topic += `/${v}`;
  }
  return topic;
}

/** MQTT subscription filter for a pattern (`{x}` → `+`, `{x*}` → `#`). */
export function filterOf(base: string, name: TopicName): string {
  return `${base}/${TOPICS[name].pattern.replace(/\{\w+\*\}/g, '#').replace(/\{\w+\}/g, '+')}`;
}

/** Matches a concrete topic against a registry entry; returns its parameters or null. */
export function matchTopic(base: string, name: TopicName, topic: string): Record<string, string> | null {
  if (topic.length <= base.length || topic.charCodeAt(base.length) !== 0x2f || !topic.startsWith(base))
    return null;
  const params: Record<string, string> = {};
  // `pos` is where the next level starts; past the end when the topic has no more levels.
  let pos = base.length + 1;
  for (const level of levelsOf(name)) {
    if (pos > topic.length) return null;
    if (level.param !== undefined && level.multi) {
      // One or more levels, none of them empty.
      const rest = topic.slice(pos);
      if (rest === '' || rest.endsWith('/') || rest.startsWith('/') || rest.includes('//')) return null;
      params[level.param] = rest;
      return params;
    }
    let end = topic.indexOf('/', pos);
    if (end < 0) end = topic.length;
    if (level.param !== undefined) {
      if (end === pos) return null;
      params[level.param] = topic.slice(pos, end);
    } else if (end - pos !== level.literal.length || !topic.startsWith(level.literal, pos)) return null;
    pos = end + 1;
  }
  return pos === topic.length + 1 ? params : null;
}

const TILL_TO_BOX = (Object.keys(TOPICS) as TopicName[]).filter((n) => TOPICS[n].direction === 'till_to_box');

/** Topics a till may publish to (the registry's till→box entries below its own base): which one
 * this topic is, with its parameters; null when it is none. */
export function tillPublishTopic(
  base: string,
  topic: string,
): { name: TopicName; params: Record<string, string> } | null {
  for (const name of TILL_TO_BOX) {
    const params = matchTopic(base, name, topic);
    if (params) return { name, params };
  }
  return null;
}

/** A till may subscribe only below its own base, with no wildcard standing in for the base. */
export function tillMaySubscribe(base: string, filter: string): boolean {
  if (filter === `${base}/#`) return true;
  if (!filter.startsWith(base + '/')) return false;
  return filter.length > base.length + 1;
}

// ---------------------------------------------------------------------------------------------
// Ops uplink (DESIGN §8): what a box publishes on the central broker, below
// `<uplink prefix>/<branch>/<till>` (default prefix `edge`). The box publishes them, the fleet view
// parses them with the same schemas, and a broker's ACL for a box comes from `uplinkAclTopics`.
// Kept apart from the till topics above: other brokers, other users, other direction.

const isoTs = z.string();

export const uplinkStateSchema = z.object({
  state: z.enum(['online', 'offline']),
  /** With `online`: the box sends `heartbeat` this often; a view that hears nothing from it for
   * two of these knows it is gone before the broker's keepalive check does. Absent: no heartbeats. */
  heartbeat_s: z.number().positive().optional(),
});

/** Non-retained sign of life between healths; `seq` counts up per connection (gaps = lost ones). */
export const uplinkHeartbeatSchema = z.object({ seq: z.number().int().nonnegative() });

export const uplinkHealthSchema = z.object({
  ts: isoTs,
  version: z.string(),
  /** Seconds between two periodic healths: a fleet view calls a box stale after missing some. */
  interval_s: z.number(),
  cloud: z.object({
    provider: z.string(),
    simulated: z.boolean(),
    state: z.enum(['unknown', 'up', 'down']),
    last_ok_at: isoTs.nullable(),
    last_error: z.object({ code: z.string(), at: isoTs }).nullable(),
    /** Duration of the last provider answer. */
    latency_ms: z.number().nullable().optional(),
    circuit: z.string(),
  }),
  outbox: z.object({
    depth: z.number(),
    oldest_age_s: z.number(),
    dead: z.number(),
    alarms: z.array(z.string()),
  }),
  devices: z.array(
    z.object({ id: z.string(), profile: z.string(), transport: z.string(), state: z.string() }),
  ),
  system: z.object({
    cpu_temp_c: z.number().nullable(),
    load_1m: z.number(),
    load_5m: z.number(),
    mem_used_pct: z.number(),
    process_rss_mb: z.number(),
    disk_free_mb: z.number().nullable(),
    disk_used_pct: z.number().nullable(),
    uptime_s: z.number(),
    sampled_at: isoTs,
  }),
});
export type UplinkHealth = z.infer<typeof uplinkHealthSchema>;

export const UPLINK_EVENT_CODES = [
  'outbox_full',
  'outbox_depth_high',
  'outbox_age_high',
  'outbox_dead_letters',
  'device_lost',
  'provider_down',
  'disk_low',
  'restarted_after_crash',
] as const;

export const uplinkEventSchema = z.object({
  /** Unique per event: a receiver drops the duplicate a QoS 1 redelivery may bring. */
  id: z.string(),
  ts: isoTs,
  code: z.enum(UPLINK_EVENT_CODES),
  /** `raised`/`cleared` bracket a condition (same code and subject); `once` is a fact. */
  state: z.enum(['raised', 'cleared', 'once']),
  severity: z.enum(['info', 'warning', 'critical']),
  message: z.string(),
  /** What the condition is about when there can be several (a device id). */
  subject: z.string().optional(),
  value: z.number().optional(),
  threshold: z.number().optional(),
  /** Events this box could not keep while the uplink was down (the buffer is bounded). */
  dropped_before: z.number().int().optional(),
});
export type UplinkEvent = z.infer<typeof uplinkEventSchema>;

export const uplinkInventorySchema = z.object({
  ts: isoTs,
  version: z.string(),
  model: z.string().nullable(),
  manufacturer: z.string().nullable(),
  /** Hardware serial (a Pi's from /proc/cpuinfo); null where the machine has none. */
  serial: z.string().nullable(),
  /** /etc/machine-id: stable per installation. */
  machine_id: z.string().nullable(),
  os: z.object({
    platform: z.string(),
    distro: z.string(),
    release: z.string(),
    kernel: z.string(),
    arch: z.string(),
    hostname: z.string(),
  }),
  cpu: z.object({ brand: z.string(), cores: z.number() }),
  memory: z.object({ total_mb: z.number() }),
  disks: z.array(z.object({ mount: z.string(), fs: z.string(), type: z.string(), size_mb: z.number() })),
  network: z.array(
    z.object({
      iface: z.string(),
      ip4: z.string(),
      ip6: z.string(),
      mac: z.string(),
      type: z.string(),
      state: z.string(),
    }),
  ),
  usb: z.array(
    z.object({
      vendor_id: z.string().nullable(),
      product_id: z.string().nullable(),
      name: z.string(),
      manufacturer: z.string().nullable(),
    }),
  ),
});
export type UplinkInventory = z.infer<typeof uplinkInventorySchema>;

export interface UplinkTopicDef<S extends z.ZodType = z.ZodType> {
  /** The last level, below `<prefix>/<branch>/<till>`. */
  pattern: string;
  retain: boolean;
  qos: 0 | 1;
  schema: S;
  doc: string;
}

export const UPLINK_TOPICS = {
  state: {
    pattern: 'state',
    retain: true,
    qos: 1,
    schema: uplinkStateSchema,
    doc: 'online on connect; offline on clean stop and as the Last Will (crash, power or network loss).',
  },
  health: {
    pattern: 'health',
    retain: true,
    qos: 1,
    schema: uplinkHealthSchema,
    doc: 'Cloud link, outbox depth/oldest age/dead letters, devices, system, version; every interval and on change.',
  },
  inventory: {
    pattern: 'inventory',
    retain: true,
    qos: 1,
    schema: uplinkInventorySchema,
    doc: 'Model, serial, OS, kernel, network interfaces, USB devices, disk, memory; at start and on change.',
  },
  heartbeat: {
    pattern: 'heartbeat',
    retain: false,
    qos: 0,
    schema: uplinkHeartbeatSchema,
    doc: 'Sign of life every `heartbeat_s` (half the keepalive): a hung box is shown offline before its Last Will fires.',
  },
  events: {
    pattern: 'events',
    retain: false,
    qos: 1,
    schema: uplinkEventSchema,
    doc: 'Alarms raised and cleared (outbox watermarks, device lost, provider down, disk low) and restarts after a crash.',
  },
} as const satisfies Record<string, UplinkTopicDef>;

export type UplinkTopicName = keyof typeof UPLINK_TOPICS;

export function uplinkBase(prefix: string, branchId: string, tillId: string): string {
  return `${prefix}/${branchId}/${tillId}`;
}

export function uplinkTopicOf(base: string, name: UplinkTopicName): string {
  return `${base}/${UPLINK_TOPICS[name].pattern}`;
}

/** One topic of every box of every branch: what a fleet view subscribes to. */
export function uplinkFleetFilter(prefix: string, name: UplinkTopicName): string {
  return `${prefix}/+/+/${UPLINK_TOPICS[name].pattern}`;
}

/** `edge/B1/T1/health` → `{branch: 'B1', till: 'T1', name: 'health'}`; null for anything else. */
export function parseUplinkTopic(
  prefix: string,
  topic: string,
): { branch: string; till: string; name: UplinkTopicName } | null {
  if (!topic.startsWith(prefix + '/')) return null;
  const rest = topic.slice(prefix.length + 1).split('/');
  if (rest.length !== 3 || !rest[0] || !rest[1]) return null;
  const name = UPLINK_NAME_OF.get(rest[2]!);
  return name ? { branch: rest[0], till: rest[1], name } : null;
}

const UPLINK_NAME_OF = new Map(
  (Object.keys(UPLINK_TOPICS) as UplinkTopicName[]).map((n) => [UPLINK_TOPICS[n].pattern as string, n]),
);

/** The topics one box may publish on the central broker (its ACL there; nothing to subscribe). */
export function uplinkAclTopics(base: string): string[] {
  return (Object.keys(UPLINK_TOPICS) as UplinkTopicName[]).map((n) => uplinkTopicOf(base, n));
}
