// A live view over the context: each named service is read from the context at every use, not
// copied once. A part restarted to apply settings (src/parts/apply.ts) provides a new service, and
// whoever holds the view (the web part, the running gateway's caller) then reaches the new one
// without being rebuilt.

/**
 * `rest` with a getter on `source` for each of `keys`. `rest`'s own getters stay getters (its
 * property descriptors are copied, not its values), so a derived value such as a port stays live too.
 */
export function liveView<S extends object, K extends keyof S, R extends object>(
  source: S,
  keys: readonly K[],
  rest: R,
): Readonly<Pick<S, K>> & NoInfer<R> {
  const view = Object.defineProperties({}, Object.getOwnPropertyDescriptors(rest));
  for (const key of keys) {
    Object.defineProperty(view, key, { enumerable: true, configurable: true, get: () => source[key] });
  }
  return view as Readonly<Pick<S, K>> & R;
}
