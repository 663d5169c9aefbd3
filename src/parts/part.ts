// A part's small lifecycle (STYLE, after Zigbee2MQTT's extensions): `start` wires the part from the
// context, `stop` undoes it. The root starts parts in list order and stops them in reverse; an error
// in one part's stop is logged and the others still stop; SIGTERM during start stops what already
// started and ends the start.
//
// Adding a part: one file here exporting `const xPart: Part = {name, start(ctx) {...}}`, and one
// line in PARTS (src/gateway.ts) at the place its order needs — after the parts whose services it
// reads, before `online`. It reads what it needs from the context, listens on `ctx.bus`, and
// returns `stop` (undo what start did) and `ready` (fields for the ready line, e.g. its port). Only
// when later parts must read something it provides does it also get a line in `Services` and
// `PROVIDED_BY` (context.ts) and call `ctx.provide(...)`.
import type { GatewayContext } from './context.ts';

/** Fields a part adds to the `ready` line (ports it listens on, ...). */
export type ReadyFields = Record<string, unknown>;

export interface Part {
  readonly name: string;
  start(ctx: GatewayContext): Promise<Running> | Running;
}

/** A started part: how to stop it, and what it adds to the ready line. */
export interface Running {
  stop?(): Promise<void> | void;
  ready?: ReadyFields;
}

export class StartAborted extends Error {
  constructor() {
    super('start aborted');
    this.name = 'StartAborted';
  }
}

/** A part's start failed; `cause` is what it threw, `part` its name (for the log and the exit code). */
export class PartFailed extends Error {
  constructor(
    readonly part: string,
    override readonly cause: unknown,
  ) {
    super(`${part} failed to start: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'PartFailed';
  }
}

export interface StartedParts {
  ready: ReadyFields;
  stop(): Promise<void>;
}

export async function startParts(parts: readonly Part[], ctx: GatewayContext): Promise<StartedParts> {
  const running: { name: string; part: Running }[] = [];
  const stop = async () => {
    for (const { name, part } of running.splice(0).reverse()) {
      try {
        await part.stop?.();
      } catch (err) {
        ctx.logger.error('stop failed', { part: name, error: err });
      }
    }
  };
  const ready: ReadyFields = {};
  try {
    for (const part of parts) {
      if (ctx.signal.aborted) throw new StartAborted();
      const started = await Promise.resolve()
        .then(() => part.start(ctx))
        .catch((err: unknown) => {
          throw err instanceof StartAborted ? err : new PartFailed(part.name, err);
        });
      running.push({ name: part.name, part: started });
      Object.assign(ready, started.ready);
    }
    if (ctx.signal.aborted) throw new StartAborted();
  } catch (err) {
    await stop();
    throw err;
  }
  return { ready, stop };
}
