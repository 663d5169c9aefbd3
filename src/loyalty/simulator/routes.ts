// The provider API routes of DESIGN §4 and their hand-off to the book, after validation.

import type { Book } from './book.ts';
import {
  activationBody,
  lookupQuery,
  parseBody,
  problem,
  purchaseBody,
  redemptionBody,
  type SimAnswer,
  transactionBody,
  validate,
} from './wire.ts';

const BASE = '/api/v1/pos';

export type ApiRoute =
  | { op: 'lookup'; write: false }
  | { op: 'purchase'; write: true }
  | { op: 'redeem'; write: true }
  | { op: 'void'; write: true; id: string }
  | { op: 'reverse'; write: true; id: string }
  | { op: 'activate'; write: true };

export type RouteMatch = { ok: true; route: ApiRoute } | { ok: false; answer: SimAnswer };

const VOID = /^\/api\/v1\/pos\/redemptions\/([^/]+)\/void$/;
const REVERSE = /^\/api\/v1\/pos\/purchases\/([^/]+)\/reverse$/;

function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function routeFor(pathname: string): { verb: 'GET' | 'POST'; route: ApiRoute | undefined } | undefined {
  switch (pathname) {
    case `${BASE}/customers/lookup`:
      return { verb: 'GET', route: { op: 'lookup', write: false } };
    case `${BASE}/purchases`:
      return { verb: 'POST', route: { op: 'purchase', write: true } };
    case `${BASE}/redemptions`:
      return { verb: 'POST', route: { op: 'redeem', write: true } };
    case `${BASE}/customers/activate`:
      return { verb: 'POST', route: { op: 'activate', write: true } };
  }
  const v = VOID.exec(pathname);
  if (v) return { verb: 'POST', route: withId('void', v[1]) };
  const r = REVERSE.exec(pathname);
  if (r) return { verb: 'POST', route: withId('reverse', r[1]) };
  return undefined;
}

function withId(op: 'void' | 'reverse', segment: string | undefined): ApiRoute | undefined {
  const id = segment === undefined ? undefined : decoded(segment);
  return id === undefined || id.length === 0 ? undefined : { op, write: true, id };
}

export function matchRoute(method: string, pathname: string): RouteMatch {
  const found = routeFor(pathname);
  if (!found) return { ok: false, answer: problem(404, 'not_found', 'no such endpoint') };
  if (method !== found.verb)
    return { ok: false, answer: problem(405, 'method_not_allowed', `use ${found.verb}`) };
  if (!found.route) return { ok: false, answer: problem(404, 'not_found', 'malformed id in path') };
  return { ok: true, route: found.route };
}

/** Validates the request for a route and applies it to the book. */
export function handleRoute(
  book: Book,
  route: ApiRoute,
  key: string,
  query: URLSearchParams,
  body: string,
): SimAnswer {
  switch (route.op) {
    case 'lookup': {
      const q = validate(lookupQuery, Object.fromEntries(query));
      return q.ok ? book.lookup(q.value.code, q.value.entry) : q.answer;
    }
    case 'purchase': {
      const b = parseBody(purchaseBody, body);
      return b.ok ? book.purchase(key, b.value) : b.answer;
    }
    case 'redeem': {
      const b = parseBody(redemptionBody, body);
      return b.ok ? book.redeem(key, b.value) : b.answer;
    }
    case 'void': {
      const b = parseBody(transactionBody, body);
      return b.ok ? book.voidRedemption(key, route.id, b.value) : b.answer;
    }
    case 'reverse': {
      const b = parseBody(transactionBody, body);
      return b.ok ? book.reverse(key, route.id, b.value) : b.answer;
    }
    case 'activate': {
      const b = parseBody(activationBody, body);
      return b.ok ? book.activate(key, b.value) : b.answer;
    }
  }
}
