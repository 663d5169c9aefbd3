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
//
// Applying settings restarts only some parts (src/parts/apply.ts): a part names the settings it
// reads at start (`settings`) and the services it holds on to from start (`uses`: it registered a
// handler or listener there, or kept the object); it restarts when one of those changes.
import type { GatewayContext, Services } from './context.ts';

/** Fields a part adds to the `ready` line (ports it listens on, ...). */
export type ReadyFields = Record<string, unknown>;

export interface Part {
  readonly name: string;
  /**
   * Settings read at start, as dotted paths of the schema (`provider`, `mqtt.users`); `*` = every
   * setting. A change below one of them restarts the part when settings are applied.
   */
  readonly settings?: readonly string[];
  /**
   * Services held from start (a handler or listener registered on them, the object kept): the part
   * restarts with the part that provides them. A service read through `ctx` at each use is not held.
   */
  readonly uses?: readonly (keyof Services)[];
  /** `handover` is what this part's last `stop` returned, when it restarts in-process. */
  start(ctx: GatewayContext, handover?: unknown): Promise<Running> | Running;
}

/** A started part: how to stop it, and what it adds to the ready line. */
export interface Running {
  /** May return what the part's next start in this process takes over (`Part.start`'s handover). */
  stop?(): Promise<unknown> | unknown;
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
  /**
   * Stops the named parts in reverse order and starts them again in list order, the others left
   * running. A part that fails to start again fails the restart (PartFailed); the parts stopped
   * with it stay stopped, and `stop()` still stops everything else.
   */
  restart(names: ReadonlySet<string>): Promise<void>;
}

interface Slot {
  part: Part;
  running?: Running;
  handover?: unknown;
}

export async function startParts(parts: readonly Part[], ctx: GatewayContext): Promise<StartedParts> {
  const slots: Slot[] = parts.map((part) => ({ part }));
  const stopSlot = async (slot: Slot, again: boolean) => {
    const running = slot.running;
    slot.running = undefined;
    if (!running) return;
    // Withdrawn first: from here on nobody reaches the stopping service (a publish waits for the
    // next broker), while the part's own stop still holds it.
    ctx.withdraw(slot.part.name, again);
    try {
      slot.handover = await running.stop?.();
    } catch (err) {
      ctx.logger.error('stop failed', { part: slot.part.name, error: err });
    }
  };
  const startSlot = async (slot: Slot) => {
    if (ctx.signal.aborted) throw new StartAborted();
    const { part, handover } = slot;
    slot.handover = undefined;
    slot.running = await Promise.resolve()
      .then(() => part.start(ctx, handover))
      .catch((err: unknown) => {
        throw err instanceof StartAborted ? err : new PartFailed(part.name, err);
      });
    Object.assign(ready, slot.running.ready);
  };
  const stop = async () => {
    for (const slot of [...slots].reverse()) await stopSlot(slot, false);
  };
  const ready: ReadyFields = {};
  try {
    for (const slot of slots) await startSlot(slot);
    if (ctx.signal.aborted) throw new StartAborted();
  } catch (err) {
    await stop();
    throw err;
  }
  const restart = async (names: ReadonlySet<string>) => {
    const chosen = slots.filter((s) => names.has(s.part.name));
    for (const slot of [...chosen].reverse()) await stopSlot(slot, true);
    for (const slot of chosen) await startSlot(slot);
  };
  return { ready, stop, restart };
}
