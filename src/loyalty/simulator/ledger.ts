// What the simulated provider actually did: one entry per applied effect, never one per request. Tests
// and the drain benchmark count it to prove "exactly once in effect" (DESIGN §2 flow 3, §10 faults).

export type EffectKind = 'purchase' | 'redemption' | 'void' | 'reverse' | 'activation';

export interface LedgerEffect {
  idempotency_key: string;
  kind: EffectKind;
  transaction_id: string;
  amount_cents?: number;
  customer_ref?: string;
  at: string;
}

export interface LedgerView {
  /** A copy, oldest first. */
  effects(): LedgerEffect[];
  /** The effects a given idempotency key caused (0 or 1 when the rules hold). */
  byKey(idempotencyKey: string): LedgerEffect[];
}

export interface Ledger extends LedgerView {
  record(effect: LedgerEffect): void;
  clear(): void;
}

export function createLedger(): Ledger {
  let entries: LedgerEffect[] = [];
  return {
    effects: () => entries.map((e) => ({ ...e })),
    byKey: (key) => entries.filter((e) => e.idempotency_key === key).map((e) => ({ ...e })),
    record: (effect) => {
      entries.push(Object.freeze({ ...effect }));
    },
    clear: () => {
      entries = [];
    },
  };
}
