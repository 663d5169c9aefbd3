// A gate in the gateway's start-up and applies, for tests of requests that arrive while parts are
// stopped or still starting (test/parts/early-requests.test.ts, apply-gap.test.ts). While closed,
// the chosen parts' starts wait at it. Before the first wait it subscribes on the box's broker (which
// keeps running): the broker hands a request to its in-process subscribers one after the other, so
// once `arrived(...)` resolves, whatever serves requests has those requests too.

import { PARTS } from '../../src/gateway.ts';
import { filterOf } from '../../src/mqtt/topics.ts';
import type { GatewayContext } from '../../src/parts/context.ts';
import type { Part } from '../../src/parts/part.ts';

function deferred() {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export type PartGate = ReturnType<typeof partGate>;

export function partGate() {
  let open = true;
  let opened: () => void = () => {};
  let reached = deferred();
  const seen = new Set<string>();
  const waiters = new Set<() => void>();
  const spied = new WeakSet<object>();
  return {
    close() {
      open = false;
      reached = deferred();
    },
    /** Resolves once a gated start waits at the closed gate. */
    reached: () => reached.promise,
    /** Resolves once the box's broker has routed every one of these transactions' requests. */
    arrived(...transactions: string[]): Promise<void> {
      return new Promise((resolve) => {
        const check = () => {
          if (!transactions.every((x) => seen.has(x))) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      });
    },
    open() {
      open = true;
      opened();
    },
    async pass(ctx: GatewayContext) {
      if (open) return;
      if (!spied.has(ctx.broker)) {
        spied.add(ctx.broker);
        await ctx.broker.subscribe(filterOf(ctx.base, 'request'), (_topic, payload) => {
          try {
            seen.add(String(JSON.parse(payload.toString()).transaction));
          } catch {}
          for (const check of [...waiters]) check();
        });
      }
      const opening = new Promise<void>((resolve) => {
        opened = resolve;
      });
      reached.resolve();
      await opening;
    },
  };
}

/** The gateway's parts, the starts of those `gated` names held at `g` while it is closed. */
export const gatedParts = (g: PartGate, gated: (name: string) => boolean): Part[] =>
  PARTS.map(
    (p): Part =>
      gated(p.name)
        ? {
            ...p,
            async start(ctx, handover) {
              await g.pass(ctx);
              return p.start(ctx, handover);
            },
          }
        : p,
  );
