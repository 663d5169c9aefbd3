// The public status document (DESIGN §7 status; issue 9): what `/api/status`, the page and
// `edge-gateway status` show. Read-only; its health is the gateway's one health document (the
// context's, the same the till gets in `gateway/health` and ops in `.../health`), plus what only a
// person on site needs (uptime, claim state, ops link, what the box is). No secret and no personal
// data: settings are not part of it at all, devices show no serial numbers.
import { VERSION } from '../version.ts';
import type { WebContext } from './context.ts';

export type OpsLink =
  | { state: 'not_configured' }
  | {
      state: 'up' | 'connecting' | 'down';
      /** The broker without credentials. */
      url: string;
      connected_since: string | null;
      connects: number;
      last_error: { code: string; message: string; reason: string; at: string } | null;
      /** Why it is not up (the last connection error), for the page. */
      reason?: string;
    };

export function opsLink(ctx: WebContext): OpsLink {
  const u = ctx.uplink?.status();
  if (ctx.config.settings.uplink.url === null || !u) return { state: 'not_configured' };
  // Never connected yet and no error: still connecting; otherwise down until it is back.
  const state =
    u.state === 'connected' ? 'up' : u.state === 'connecting' && !u.last_error ? 'connecting' : 'down';
  return {
    state,
    url: u.url,
    connected_since: u.connected_since,
    connects: u.connects,
    last_error: u.last_error,
    ...(state !== 'up' && u.last_error ? { reason: u.last_error.reason } : {}),
  };
}

/**
 * What the box is, for the public page: model, OS, addresses, USB devices, disks, memory. Its
 * hardware serial, machine id and MAC addresses go to ops only (the uplink), like device serials.
 */
export function publicInventory(ctx: WebContext) {
  const inv = ctx.inventory?.();
  if (!inv) return null;
  const { serial: _serial, machine_id: _machineId, network, ...rest } = inv;
  return { ...rest, network: network.map(({ mac: _mac, ...n }) => n) };
}

/** The inventory for the logged-in technician: with the box's serial and MAC addresses. */
export function technicianInventory(ctx: WebContext) {
  const inv = ctx.inventory?.();
  if (!inv) return null;
  const { machine_id: _machineId, ...rest } = inv;
  return rest;
}

export function statusDocument(ctx: WebContext, claimed: boolean) {
  const { settings, demo } = ctx.config;
  const health = ctx.health();
  return {
    version: VERSION,
    till_id: settings.till_id,
    branch_id: settings.branch_id,
    demo,
    claimed,
    uptime_s: Math.round((Date.now() - ctx.host.startedAt) / 1000),
    mqtt: { port: ctx.broker.port, clients: ctx.broker.clientCount() },
    provider: settings.provider.name,
    ops: opsLink(ctx),
    inventory: publicInventory(ctx),
    devices: ctx.devices.list().map((d) => ({
      id: d.id,
      profile: d.profile,
      transport: d.transport,
      state: d.state,
      reason: d.reason,
      product: d.product,
      path: d.path,
      vendor_id: d.vendor_id,
      product_id: d.product_id,
      since: d.since,
      last_scan_at: ctx.scans.lastScanAt(d.id) ?? null,
    })),
    health,
  };
}

export type StatusDocument = ReturnType<typeof statusDocument>;
