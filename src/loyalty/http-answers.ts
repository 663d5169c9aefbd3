// The provider's answers, read (DESIGN §4): the success bodies of each call mapped onto the
// gateway's types. Read leniently: fields we do not know are the provider's business, and an
// unknown reward kind is `other` rather than a refused answer.
import { z } from 'zod';
import {
  type CustomerLookup,
  type Discount,
  type Reward,
  type RewardKind,
  type RewardValue,
  rewardState,
  type WriteOp,
  type WriteResults,
} from './provider.ts';

// Response bodies, read leniently: extra fields are the provider's business.
const rewardWire = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  activated: z.boolean(),
  valid_from: z.string().nullish(),
  valid_until: z.string().nullish(),
  remaining: z.number().int().nullish(),
  value: z.record(z.string(), z.unknown()).nullish(),
});
export const lookupWire = z.object({
  customer_ref: z.string(),
  masked_ref: z.string(),
  points: z.number(),
  rewards: z.array(rewardWire),
});
const wireData = {
  purchase: z.object({ purchase_id: z.string(), points_earned: z.number(), points_balance: z.number() }),
  redemption: z.object({
    redemption_id: z.string(),
    discount: z.record(z.string(), z.unknown()).nullish(),
  }),
  void: z.object({ state: z.string().optional() }),
  reverse: z.object({ state: z.string().optional(), points_balance: z.number().optional() }),
  activation: z.object({ customer_ref: z.string() }),
};

const REWARD_KINDS: readonly string[] = ['discount', 'stamp', 'bonus_points', 'prepaid', 'voucher'];

function toValue(raw: Record<string, unknown> | null | undefined): RewardValue {
  const v: RewardValue = {};
  if (!raw) return v;
  if (typeof raw.percent === 'number') v.percent = raw.percent;
  if (typeof raw.amount_cents === 'number') v.amountCents = raw.amount_cents;
  if (typeof raw.currency === 'string') v.currency = raw.currency;
  if (typeof raw.points === 'number') v.points = raw.points;
  if (typeof raw.item === 'string') v.item = raw.item;
  return v;
}

function toKind(kind: unknown): RewardKind | 'other' {
  return typeof kind === 'string' && REWARD_KINDS.includes(kind) ? (kind as RewardKind) : 'other';
}

export function toLookup(w: z.infer<typeof lookupWire>, nowMs: number): CustomerLookup {
  const rewards = w.rewards.map((r): Reward => {
    const base = {
      id: r.id,
      name: r.name,
      kind: toKind(r.kind),
      activated: r.activated,
      validFrom: r.valid_from ?? null,
      validUntil: r.valid_until ?? null,
      remaining: r.remaining ?? null,
      value: toValue(r.value),
    };
    return { ...base, state: rewardState(base, nowMs) };
  });
  return { customer: { ref: w.customer_ref, maskedRef: w.masked_ref, points: w.points }, rewards };
}

export function toResult<O extends WriteOp>(op: O, json: unknown): WriteResults[O] | undefined {
  const parsed = wireData[op].safeParse(json ?? {});
  if (!parsed.success) return undefined;
  const d = parsed.data as Record<string, unknown>;
  const results: { [K in WriteOp]: () => WriteResults[K] } = {
    purchase: () => ({
      purchaseId: d.purchase_id as string,
      pointsEarned: d.points_earned as number,
      pointsBalance: d.points_balance as number,
    }),
    redemption: () => {
      const raw = (d.discount ?? {}) as Record<string, unknown>;
      const discount: Discount = { kind: toKind(raw.kind), ...toValue(raw) };
      return { redemptionId: d.redemption_id as string, discount };
    },
    void: () => ({ state: (d.state as string | undefined) ?? 'voided' }),
    reverse: () => ({
      state: (d.state as string | undefined) ?? 'reversed',
      ...(typeof d.points_balance === 'number' ? { pointsBalance: d.points_balance } : {}),
    }),
    activation: () => ({ customerRef: d.customer_ref as string }),
  };
  return results[op]() as WriteResults[O];
}

/** An empty body is no body (undefined); text that is not JSON is `ok: false`. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}
