// Options are validated once, then deep-frozen (STYLE, after fastify): settings, profiles and the
// classifier's compiled options are handed to every part frozen, so no part can change what another
// one reads. The one implementation for all of them.

/** Freezes `value` and everything reachable from it; returns it for chaining. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}
