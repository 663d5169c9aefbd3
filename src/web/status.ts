// The public status document (DESIGN §7 status; issue 9): what `/api/status`, the page and
// `edge-gateway status` show. Read-only and built from the same health document the till gets in
// `gateway/health`, plus what only a person on site needs (uptime, claim state, ops link). No
// secret and no personal data: settings are not part of it at all, devices show no serial numbers.
import { healthDocument } from '../uplink/health.ts';
import { VERSION } from '../version.ts';
import type { WebContext } from './context.ts';

export type OpsLink =
  | { state: 'not_configured' }
  /** A broker is set but this version has no uplink to it yet (DESIGN §8). */
  | { state: 'unavailable'; reason: string };

export function opsLink(ctx: WebContext): OpsLink {
  if (ctx.config.settings.uplink.url === null) return { state: 'not_configured' };
  return { state: 'unavailable', reason: 'the ops uplink is not built in this version' };
}

export function statusDocument(ctx: WebContext, claimed: boolean) {
  const { settings, demo } = ctx.config;
  const health = healthDocument({
    loyalty: () => ctx.loyalty.health(),
    devices: () => ctx.devices.list(),
    system: () => ctx.system.current(),
  });
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
