// How this box logs in to the ops broker, in one place: the uplink connects with it, and the
// technician's connectivity test (src/web/tools.ts) connects with it too, so a test that passes
// proves what the uplink will do — same URL, login, pinned CA and MQTT options — and both tell a
// failure in the same words.
import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';
import type { Settings } from '../config/schema.ts';

export interface UplinkLogin {
  /** The broker URL without credentials: mqtt.js would let the URL's own override ours. */
  url: string;
  clientId: string;
  username: string;
  password?: string;
  /** PEM of the CA the broker's certificate must chain to; replaces the system's CAs. */
  ca?: Buffer;
}

export type UplinkLoginResult =
  | { ok: true; login: UplinkLogin }
  | { ok: false; code: 'not_configured' | 'ca_unreadable'; reason: string };

export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//');
}

/** Explicit settings first, credentials written into the URL second, `<branch>.<till>` last. */
export function uplinkLogin(settings: Pick<Settings, 'till_id' | 'branch_id' | 'uplink'>): UplinkLoginResult {
  const cfg = settings.uplink;
  if (cfg.url === null) return { ok: false, code: 'not_configured', reason: 'no ops broker URL is set' };
  let ca: Buffer | undefined;
  if (cfg.ca_file) {
    try {
      ca = readFileSync(cfg.ca_file);
    } catch (err) {
      return {
        ok: false,
        code: 'ca_unreadable',
        reason: `the CA file ${cfg.ca_file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      };
    }
  }
  const inUrl = urlCredentials(cfg.url);
  return {
    ok: true,
    login: {
      url: redactUrl(cfg.url),
      clientId: `edge.${settings.branch_id}.${settings.till_id}`,
      username: cfg.username ?? inUrl.username ?? `${settings.branch_id}.${settings.till_id}`,
      password: cfg.password ?? inUrl.password,
      ca,
    },
  };
}

export interface ClientOptionsExtra {
  keepaliveS: number;
  connectTimeoutMs: number;
  /** Another client id (a test beside the running uplink must not take its session over). */
  clientId?: string;
  will?: { topic: string; payload: string };
}

/** The mqtt.js options of a connection as this box: one attempt, no built-in reconnect. */
export function uplinkClientOptions(login: UplinkLogin, extra: ClientOptionsExtra): IClientOptions {
  return {
    clientId: extra.clientId ?? login.clientId,
    username: login.username,
    password: login.password,
    keepalive: extra.keepaliveS,
    clean: true,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: extra.connectTimeoutMs,
    queueQoSZero: false,
    // No 6 MB number cache in mqtt-packet (see src/mqtt/broker.ts); this option alone would turn
    // it off for the broker too, as the module is shared, but the broker must not rely on it.
    writeCache: false,
    ...(extra.will
      ? {
          will: { topic: extra.will.topic, payload: Buffer.from(extra.will.payload), qos: 1, retain: true },
        }
      : {}),
    ...(login.ca ? { ca: login.ca, rejectUnauthorized: true } : {}),
  };
}

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

/** A failed connection in words a technician can act on; `code` is stable for status and logs. */
export function describeUplinkError(
  err: Error & { code?: string | number },
  login: Pick<UplinkLogin, 'ca'>,
): { code: string; reason: string } {
  const code = err.code === undefined ? 'error' : String(err.code);
  const reason = (() => {
    // CONNACK return codes 4 (bad user name or password) and 5 (not authorised) of MQTT 3.1.1.
    if (code === '4' || code === '5') return 'the ops broker refused the login (check username and password)';
    if (code === '2') return 'the ops broker refused the client id';
    if (UNTRUSTED.has(code)) {
      return login.ca
        ? "the broker's certificate is not signed by the pinned CA (uplink.ca_file)"
        : "the broker's certificate is not signed by a CA this box trusts (set uplink.ca_file)";
    }
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return "the broker's certificate is for another host name";
    if (code === 'CERT_HAS_EXPIRED')
      return "the broker's certificate has expired (or the box's clock is wrong)";
    if (code === 'CERT_NOT_YET_VALID')
      return "the broker's certificate is not valid yet (is the box's clock right?)";
    if (code === 'ECONNREFUSED') return 'connection refused: nothing listens at that address and port';
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the broker host name does not resolve';
    if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'no route to the broker (network down?)';
    if (code === 'ECONNRESET' || code === 'EPIPE')
      return 'the broker closed the connection (TLS expected, or plain?)';
    if (code === 'ETIMEDOUT' || /timeout/i.test(err.message))
      return 'no answer in time (firewall or wrong address?)';
    return `could not connect: ${err.message}`;
  })();
  return { code, reason };
}

function urlCredentials(url: string): { username?: string; password?: string } {
  try {
    const u = new URL(url);
    return {
      username: u.username ? decodeURIComponent(u.username) : undefined,
      password: u.password ? decodeURIComponent(u.password) : undefined,
    };
  } catch {
    return {};
  }
}
