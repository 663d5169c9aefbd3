// The web half of the security matrix as data (DESIGN §7): who may call which route of the status
// port. Every route the server has must be listed here, so a new one cannot ship unclassified.
export type RouteClass = 'public read' | 'technician read' | 'public write' | 'technician write';

export const ROUTES: Record<string, RouteClass> = {
  'GET /': 'public read',
  'HEAD /': 'public read',
  'GET /assets/*': 'public read',
  'HEAD /assets/*': 'public read',
  'GET /healthz': 'public read',
  'HEAD /healthz': 'public read',
  'GET /api/status': 'public read',
  'HEAD /api/status': 'public read',
  'GET /api/history': 'public read',
  'HEAD /api/history': 'public read',
  'GET /api/events': 'public read',
  'HEAD /api/events': 'public read',
  'GET /api/session': 'public read',
  'HEAD /api/session': 'public read',
  // Prometheus scrapes without a login (DESIGN §8); nothing in it is secret or personal.
  'GET /metrics': 'public read',
  'HEAD /metrics': 'public read',
  'POST /api/claim': 'public write',
  'POST /api/login': 'public write',
  'POST /api/logout': 'public write',
  'GET /api/provision': 'technician read',
  'HEAD /api/provision': 'technician read',
  'GET /api/dead': 'technician read',
  'HEAD /api/dead': 'technician read',
  'GET /api/diagnostics': 'technician read',
  'HEAD /api/diagnostics': 'technician read',
  // The box's serial and MAC addresses (the public status leaves them out).
  'GET /api/inventory': 'technician read',
  'HEAD /api/inventory': 'technician read',
  'POST /api/provision': 'technician write',
  'POST /api/test-scan': 'technician write',
  'POST /api/tools/connectivity': 'technician write',
  'POST /api/dead/:id/:action': 'technician write',
};

/** Who calls: what their browser holds. */
export const CALLERS = [
  'no session',
  'tampered session cookie',
  'cookie of a logged-out session',
  'visitor session with its token',
  'technician without a CSRF token',
  'technician with a forged token',
  "technician with another session's token",
  'technician with its token',
] as const;
export type Caller = (typeof CALLERS)[number];

/** `reached`: the route's own handler answered; otherwise the guard that refused. */
export type Outcome = 'reached' | 'login_required' | 'csrf_invalid';

const row = (...outcomes: Outcome[]): Record<Caller, Outcome> =>
  Object.fromEntries(CALLERS.map((c, i) => [c, outcomes[i]!])) as Record<Caller, Outcome>;

const R = 'reached';
const L = 'login_required';
const C = 'csrf_invalid';

export const EXPECTED: Record<RouteClass, Record<Caller, Outcome>> = {
  'public read': row(R, R, R, R, R, R, R, R),
  // Reads change nothing: a technician's session is enough, no CSRF token.
  'technician read': row(L, L, L, L, R, R, R, R),
  // Claim and login need a session's token too: a page of another site cannot log the box in.
  'public write': row(C, C, C, R, C, C, C, R),
  'technician write': row(L, L, L, L, C, C, C, R),
};

/**
 * The body each write is sent with. A refused call carries a body that would change something
 * (a scan, a setting), so that "refused" is also checked as "no effect"; the technician's own call
 * a harmless one.
 */
export function bodyFor(route: string, marker: string, allowed: boolean): unknown {
  switch (route) {
    case 'POST /api/claim':
      return { code: 'AAAA-BBBB-CCCC', password: 'a-new-owner-password' };
    case 'POST /api/login':
      return { password: 'not-the-password' };
    case 'POST /api/provision':
      return { values: { till_id: allowed ? 'not a valid id!' : marker } };
    case 'POST /api/test-scan':
      return { text: marker };
    case 'POST /api/tools/connectivity':
      return { target: 'provider' };
    default:
      return {};
  }
}

/** A concrete path for a route pattern. */
export const pathOf = (url: string) =>
  url.replace(':id', '999').replace(':action', 'retry').replace('*', 'app.js');
