// The one settings schema (DESIGN §9, STYLE "one schema produces types, defaults and validation").
// From it come: the TypeScript type `Settings`, the defaults (an empty file is a valid demo config),
// validation with clear errors (see errors.ts), the JSON Schema published in `gateway/info` for
// forms, and the list of secret paths (fields marked `writeOnly`), which are never shown or logged.
import { z } from 'zod';
import { loyaltyIinPrefixesSchema, loyaltyPatternsSchema } from '../classify/index.ts';

/** MQTT over WebSocket in demo mode when `mqtt.ws_port` is unset (mosquitto's customary port). */
export const DEMO_WS_PORT = 9001;

/**
 * Bounds on a till's persistent session while it is away (src/mqtt/offline-sessions.ts); also the
 * broker's defaults when it is started without settings. Mosquitto's `max_queued_messages` is
 * 1000 too; its `persistent_client_expiration` is off by default, but a box that runs for months
 * must not keep the session of a till that never comes back, so 7 days (a long weekend and then
 * some).
 */
export const MQTT_SESSION_DEFAULTS = { max_queued_messages: 1000, session_expiry_s: 7 * 86400 } as const;

/**
 * How long a till's full socket may stay undrained before the broker closes its connection
 * (aedes `drainTimeout`, src/mqtt/broker.ts): a till that stops reading (a frozen POS tab) holds
 * aedes' delivery slots until then, and every other till's scans and answers wait. A live till
 * drains a full socket in milliseconds; aedes' own 60 s stalls the box for a minute. The bounds:
 * below 0.5 s a till busy for a moment (a browser tab's long task) would lose its connection; above
 * 60 s the stall is aedes' default again. Also the broker's default when started without settings.
 */
export const MQTT_DRAIN_TIMEOUT_MS = { default: 5000, min: 500, max: 60_000 } as const;

/** The outbox's settings; also the defaults of the outbox's dispatcher (one source for both). */
export const outboxSettingsSchema = z.object({
  max_depth: z.number().int().min(1).default(100000),
  warn_depth: z.number().int().min(1).default(1000),
  warn_age_s: z.number().int().min(1).default(3600),
  retention_days: z.number().min(0).default(7),
  redeem_policy: z.enum(['online_only', 'queue']).default('online_only'),
  concurrency: z.number().int().min(1).max(64).default(8).describe('Customers delivered in parallel'),
  retry_base_ms: z.number().int().min(10).max(600000).default(1000),
  retry_max_ms: z.number().int().min(100).max(3600000).default(300000),
  circuit_failures: z.number().int().min(1).max(1000).default(5),
  circuit_open_ms: z.number().int().min(0).max(3600000).default(30000),
  idle_poll_ms: z
    .number()
    .int()
    .min(100)
    .max(600000)
    .default(5000)
    .describe('How soon a dead letter retried from the CLI is picked up'),
});

// The schemas are built on each use and then dropped, not held in module constants: kept, the
// settings schema and what zod compiles and caches for it on its first parse and JSON Schema hold
// ~0.7 MB of heap for the life of the process, for a parse that runs at start and when settings
// are applied (a few ms each time).
function buildSchemas() {
  // Part of topics and of the provider's Idempotency-Key: no slashes, no wildcards, no spaces.
  const id = () => z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, "1-64 letters, digits, '-' or '_'");

  const port = z.number().int().min(0).max(65535);
  const host = z.string().min(1);
  const secret = () => z.string().min(1).meta({ writeOnly: true });

  /** `scrypt$N$r$p$salt$hash` as made by `hashPassword` (src/config/password.ts). */
  const passwordHash = z
    .string()
    .regex(
      /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/,
      'must be a scrypt hash made by edge-gateway',
    )
    .meta({ writeOnly: true });

  const mqttUser = z.object({
    username: z.string().min(1).max(128),
    password_hash: passwordHash,
    /** The till whose base topic this login may use; the box's own till when omitted. */
    till_id: id().optional(),
  });

  const providerObject = z.object({
    name: z.string().min(1).default('helloagain'),
    url: z.url().nullable().default(null).describe('Provider base URL; null = built-in simulator'),
    api_key: secret().optional(),
    timeout_ms: z.number().int().min(100).max(60000).default(3000),
    booking_window_ms: z
      .number()
      .int()
      .min(0)
      .max(30000)
      .default(2000)
      .describe('How long a turnover waits for the provider before it is answered queued'),
  });

  // A real provider needs its per-branch key (DESIGN §4); reported with every other setting.
  const provider = providerObject.refine((p) => p.url === null || p.api_key !== undefined, {
    message: 'provider.api_key is required when provider.url is set',
    path: ['api_key'],
  });

  const settings = z.object({
    till_id: id().default('demo-till').describe('Till this box serves; part of every topic'),
    branch_id: id().default('demo-branch').describe('Branch (shop) of the till'),
    log_level: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    data_dir: z.string().min(1).optional().describe('Outbox, secrets and state; default ./.edge-data'),
    mqtt: z
      .object({
        host: host.default('127.0.0.1').describe('Address the embedded broker listens on'),
        port: port.default(1883),
        ws_port: port
          .nullable()
          .optional()
          .describe(
            `MQTT over WebSocket for browser tills; null = off; unset = ${DEMO_WS_PORT} in demo mode, off when provisioned`,
          ),
        topic_prefix: z
          .string()
          .regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, 'topic levels without wildcards')
          .default('pos'),
        users: z.array(mqttUser).default([]).describe('Till logins; none = demo mode (anonymous, loopback)'),
        max_payload_bytes: z.number().int().min(1024).max(1048576).default(65536),
        max_queued_messages: z
          .number()
          .int()
          .min(1)
          .max(100000)
          .default(MQTT_SESSION_DEFAULTS.max_queued_messages)
          .describe(
            'QoS 1 events kept for a till with a persistent session while it is away; beyond it the oldest are dropped (retained state documents wait beside them, the newest copy of each)',
          ),
        session_expiry_s: z
          .number()
          .int()
          .min(0)
          .max(365 * 86400)
          .default(MQTT_SESSION_DEFAULTS.session_expiry_s)
          .describe(
            'A persistent session offline this long is dropped with its queue and subscriptions; 0 = never',
          ),
        drain_timeout_ms: z
          .number()
          .int()
          .min(MQTT_DRAIN_TIMEOUT_MS.min)
          .max(MQTT_DRAIN_TIMEOUT_MS.max)
          .default(MQTT_DRAIN_TIMEOUT_MS.default)
          .describe(
            "Milliseconds a till may read nothing of what the box sends it (a frozen POS app or browser tab) before its connection is closed, so it cannot hold up the other tills' scans and answers; its client reconnects",
          ),
        login_limit: z
          .object({
            max_failures: z.number().int().min(1).max(10000).default(5),
            window_s: z.number().int().min(1).max(86400).default(60),
            block_s: z.number().int().min(1).max(86400).default(60),
          })
          .prefault({})
          .describe(
            'Brute-force limit: max_failures failed logins from one address (IPv6: its /64) within window_s block it for block_s',
          ),
      })
      .prefault({}),
    http: z
      .object({
        host: host.default('127.0.0.1'),
        port: port.default(8080),
      })
      .prefault({}),
    provider: provider.prefault({}),
    outbox: outboxSettingsSchema.prefault({}),
    devices: z
      .object({
        serial: z
          .array(z.object({ path: z.string().min(1), profile: z.string().min(1) }))
          .default([])
          .describe('Serial devices auto-detection cannot see (ptys, RS-232 adapters)'),
        profiles_dir: z.string().min(1).optional(),
        poll_interval_ms: z.number().int().min(100).max(60000).default(1000),
        hid: z.boolean().default(true).describe('Scan for USB HID devices'),
        hid_driver: z
          .enum(['libusb', 'hidraw'])
          .default('libusb')
          .describe('libusb claims keyboard-wedge scanners so scans never type into the console'),
      })
      .prefault({}),
    loyalty: z
      .object({
        patterns: loyaltyPatternsSchema
          .optional()
          .describe(
            'Loyalty token patterns of the provider (QR URL, token, card); built-in defaults when unset',
          ),
        card_iin_prefixes: loyaltyIinPrefixesSchema
          .default([])
          .describe(
            'Own loyalty card number prefixes inside the Maestro range (50, 56-69) the payment guard lets through',
          ),
        duplicate_window_ms: z
          .number()
          .int()
          .min(0)
          .max(60000)
          .default(1500)
          .describe('The same code from the same device within this window is one scan'),
        identify_on_scan: z.boolean().default(true).describe('Look up the customer after a loyalty scan'),
      })
      .prefault({}),
    uplink: z
      .object({
        url: z
          .string()
          .regex(
            /^(mqtts?|wss?|tcp|ssl):\/\/.+/,
            'uplink.url must be an mqtt://, mqtts://, ws:// or wss:// URL',
          )
          .nullable()
          .default(null),
        username: z
          .string()
          .min(1)
          .optional()
          .describe('Login of this box on the ops broker; default `<branch_id>.<till_id>`'),
        password: secret().optional(),
        ca_file: z
          .string()
          .min(1)
          .optional()
          .describe('PEM file of the CA that signed the ops broker (pinned: the system CAs are not used)'),
        topic_prefix: z
          .string()
          .regex(
            /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/,
            'uplink.topic_prefix must be topic levels without wildcards',
          )
          .default('edge'),
        keepalive_s: z
          .number()
          .int()
          .min(5)
          .max(1200)
          .default(60)
          .describe('MQTT keepalive: the broker fires the Last Will within 1.5 times this'),
        heartbeat_s: z
          .number()
          .min(0)
          .max(600)
          .optional()
          .describe(
            'Sign of life on `…/heartbeat` this often, so the fleet view shows a hung box offline within the keepalive; default half the keepalive, 0 = none',
          ),
        health_interval_s: z.number().int().min(5).max(3600).default(60),
        inventory_interval_s: z
          .number()
          .int()
          .min(0)
          .max(86400)
          .default(3600)
          .describe('How often the inventory is sampled again (also after device changes); 0 = never'),
        reconnect_min_ms: z.number().int().min(50).max(600000).default(1000),
        reconnect_max_ms: z.number().int().min(100).max(3600000).default(60000),
        disk_low_free_pct: z
          .number()
          .min(0)
          .max(100)
          .default(10)
          .describe('Ops alarm disk_low when the data directory has less free space than this'),
      })
      .prefault({}),
    technician: z
      .object({
        password_hash: passwordHash.optional(),
      })
      .prefault({}),
  });

  /**
   * The same settings when the secrets file was found empty (a power cut while it was written): a
   * provider URL may then lack its key, and the provider is unprovisioned (calls fail as
   * unreachable, turnovers queue) until the technician enters the key again, rather than a box that
   * refuses to start and cannot be reached to be provisioned.
   */
  const withLostSecrets = settings.extend({ provider: providerObject.prefault({}) });
  return { settings, withLostSecrets };
}

/** The settings schema (a new one each call). */
export function settingsSchema() {
  return buildSchemas().settings;
}

/** The same settings when the secrets file was found empty (see buildSchemas). */
export function settingsWithLostSecretsSchema() {
  return buildSchemas().withLostSecrets;
}

/** Settings as validated and defaulted; handed to parts frozen, slice by slice. */
export type Settings = z.output<ReturnType<typeof settingsSchema>>;
/** What a config file may contain (everything optional). */
export type SettingsInput = z.input<ReturnType<typeof settingsSchema>>;

/** JSON Schema of the settings (published in gateway/info, draws the provisioning form). */
export function settingsJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(settingsSchema(), { io: 'input' }) as Record<string, unknown>;
}

/** Dotted paths of write-only fields (`users.*.password_hash` style for arrays). */
export const SECRET_PATHS: readonly string[] = collectSecretPaths(settingsJsonSchema(), '');

function collectSecretPaths(schema: Record<string, unknown>, prefix: string): string[] {
  if (schema.writeOnly === true) return [prefix];
  const out: string[] = [];
  const props = schema.properties as Record<string, Record<string, unknown>> | undefined;
  if (props) {
    for (const [k, v] of Object.entries(props))
      out.push(...collectSecretPaths(v, prefix ? `${prefix}.${k}` : k));
  }
  const items = schema.items as Record<string, unknown> | undefined;
  if (items) out.push(...collectSecretPaths(items, `${prefix}.*`));
  for (const alt of (schema.anyOf as Record<string, unknown>[] | undefined) ?? []) {
    out.push(...collectSecretPaths(alt, prefix));
  }
  return [...new Set(out)];
}

/** True when no till login is configured: the unprovisioned demo mode of DESIGN §3. */
export function isDemoMode(s: Settings): boolean {
  return s.mqtt.users.length === 0;
}

/**
 * The MQTT-over-WebSocket port to listen on, or null for none. Demo mode serves browser tills out of
 * the box; a box started on any free TCP port (`mqtt.port: 0`, as tests do) gets any free one too,
 * so two of them never fight over the fixed default.
 */
export function wsPortOf(s: Settings): number | null {
  if (s.mqtt.ws_port !== undefined) return s.mqtt.ws_port;
  if (!isDemoMode(s)) return null;
  return s.mqtt.port === 0 ? 0 : DEMO_WS_PORT;
}
