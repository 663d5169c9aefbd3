// Domain objects → the till's snake_case payloads (DESIGN §3: "JSON payloads, snake_case keys").
import type { z } from 'zod';
import type { tillCustomerSchema, tillRewardSchema } from '../mqtt/topics.ts';
import type { CustomerLookup, Discount, Reward } from './provider.ts';

/** Typed by the registry's schema (src/mqtt/topics.ts `loyalty/customer`): a field added here fails to compile there. */
export function tillReward(r: Reward): z.input<typeof tillRewardSchema> {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    activated: r.activated,
    valid_from: r.validFrom,
    valid_until: r.validUntil,
    remaining: r.remaining,
    value: tillValue(r.value),
    // DESIGN §2: an expired or exhausted program is shown as such; the till may still apply it
    // only with `override: true`.
    state: r.state,
    usable: r.state === 'available',
    overridable: r.state === 'expired' || r.state === 'exhausted',
  };
}

/** A reward's or discount's value as the till reads it; `kind` is present on a discount. */
export interface TillValue {
  kind?: string;
  percent?: number;
  amount_cents?: number;
  currency?: string;
  points?: number;
  item?: string;
}

export function tillValue(v: Discount): TillValue & { kind: string };
export function tillValue(v: Reward['value']): TillValue;
export function tillValue(v: Reward['value'] | Discount): TillValue {
  const out: TillValue = {};
  if ('kind' in v) out.kind = v.kind;
  if (v.percent !== undefined) out.percent = v.percent;
  if (v.amountCents !== undefined) out.amount_cents = v.amountCents;
  if (v.currency !== undefined) out.currency = v.currency;
  if (v.points !== undefined) out.points = v.points;
  if (v.item !== undefined) out.item = v.item;
  return out;
}

export function tillCustomer(lookup: CustomerLookup): {
  customer: z.input<typeof tillCustomerSchema>;
  rewards: z.input<typeof tillRewardSchema>[];
} {
  return {
    customer: {
      ref: lookup.customer.ref,
      masked_ref: lookup.customer.maskedRef,
      points: lookup.customer.points,
    },
    rewards: lookup.rewards.map(tillReward),
  };
}
