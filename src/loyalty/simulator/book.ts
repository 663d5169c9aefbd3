// The simulated provider's loyalty book: accounts, purchases, redemptions and the rules of DESIGN §4
// (redemption checks, void window, reverse, duplicate contacts). Every applied effect goes to the
// ledger exactly once; repeated requests that change nothing answer without a new effect.

import { createHash } from 'node:crypto';
import type { EffectKind, Ledger } from './ledger.ts';
import { SEED, type SimCodes, type SimCustomer, type SimReward, seedAccounts } from './seed.ts';
import {
  type ActivationBody,
  type PurchaseBody,
  problem,
  type RedemptionBody,
  type SimAnswer,
  type TransactionBody,
} from './wire.ts';

export interface BookOptions {
  ledger: Ledger;
  now: () => number;
  voidWindowMs: number;
}

interface Purchase {
  purchase_id: string;
  idempotency_key: string;
  customer_ref: string;
  amount_cents: number;
  points_earned: number;
  reversed: boolean;
}

interface Redemption {
  redemption_id: string;
  customer_ref: string;
  reward: SimReward;
  at: number;
  usedOne: boolean;
  pointsAdded: number;
  voided: boolean;
}

export interface Book {
  lookup(code: string, entry: 'scan' | 'manual'): SimAnswer;
  purchase(key: string, body: PurchaseBody): SimAnswer;
  redeem(key: string, body: RedemptionBody): SimAnswer;
  voidRedemption(key: string, redemptionId: string, body: TransactionBody): SimAnswer;
  reverse(key: string, purchaseRef: string, body: TransactionBody): SimAnswer;
  activate(key: string, body: ActivationBody): SimAnswer;
  reset(): void;
}

const APP_URL = /^https?:\/\/app\.helloagain\.(?:com|at|de)\/c\/([^/?#\s]+)/i;

export function createBook(opts: BookOptions): Book {
  let customers: Map<string, SimCustomer>;
  let codes: SimCodes;
  let purchases: Map<string, Purchase>;
  let purchaseByKey: Map<string, Purchase>;
  let redemptions: Map<string, Redemption>;
  // Contact data stays in memory, and only as hashes (DESIGN §2 flow 5).
  let contacts: Set<string>;
  let counter: number;
  let enrolled: number;

  function reset() {
    ({ customers, codes } = seedAccounts());
    purchases = new Map();
    purchaseByKey = new Map();
    redemptions = new Map();
    contacts = new Set();
    counter = 0;
    enrolled = 0;
  }
  reset();

  const nextId = (prefix: string) => `${prefix}-${String(++counter).padStart(6, '0')}`;
  const iso = () => new Date(opts.now()).toISOString();

  function effect(
    kind: EffectKind,
    key: string,
    transactionId: string,
    extra: { amount_cents?: number; customer_ref?: string },
  ) {
    opts.ledger.record({ idempotency_key: key, kind, transaction_id: transactionId, ...extra, at: iso() });
  }

  /** An app token (bare or as its URL) or a card number; manual entry may carry spaces or dashes. */
  function resolve(code: string): { customer: SimCustomer; expired: boolean } | undefined {
    const trimmed = code.trim();
    const token = (APP_URL.exec(trimmed)?.[1] ?? trimmed).toUpperCase();
    const byToken = codes.tokens.get(token);
    if (byToken) {
      const customer = customers.get(byToken.customerRef);
      return customer && { customer, expired: byToken.expired };
    }
    const digits = trimmed.replace(/[\s-]/g, '');
    const ref = /^\d+$/.test(digits) ? codes.cards.get(digits) : undefined;
    const customer = ref === undefined ? undefined : customers.get(ref);
    return customer && { customer, expired: false };
  }

  const notFound = () => problem(404, 'customer_not_found', 'no customer for this code or reference');

  return {
    reset,

    lookup(code) {
      const found = resolve(code);
      if (!found) return notFound();
      if (found.expired)
        return problem(410, 'code_expired', 'this app code has expired; refresh it in the app');
      const c = found.customer;
      const rewards = c.rewards.map(({ repeatable: _r, ...wire }) => ({ ...wire, value: { ...wire.value } }));
      return {
        status: 200,
        body: { customer_ref: c.ref, masked_ref: c.masked_ref, points: c.points, rewards },
      };
    },

    purchase(key, b) {
      // A turnover may carry the scanned code instead of a ref, so a sale identified offline books later
      // (DESIGN §3); the code identified the customer at the time of sale, so an expired token still counts.
      const customer =
        b.customer_ref !== undefined
          ? customers.get(b.customer_ref)
          : b.code !== undefined
            ? resolve(b.code)?.customer
            : undefined;
      if (!customer) return notFound();
      const pointsEarned = Math.floor(b.amount.gross_cents / 100) * SEED.pointsPerUnit;
      customer.points += pointsEarned;
      const p: Purchase = {
        purchase_id: nextId('P'),
        idempotency_key: key,
        customer_ref: customer.ref,
        amount_cents: b.amount.gross_cents,
        points_earned: pointsEarned,
        reversed: false,
      };
      purchases.set(p.purchase_id, p);
      purchaseByKey.set(key, p);
      effect('purchase', key, b.transaction_id, { amount_cents: p.amount_cents, customer_ref: customer.ref });
      return {
        status: 201,
        body: { purchase_id: p.purchase_id, points_earned: pointsEarned, points_balance: customer.points },
      };
    },

    redeem(key, b) {
      const customer = customers.get(b.customer_ref);
      if (!customer) return notFound();
      const reward = customer.rewards.find((r) => r.id === b.reward_id);
      if (!reward) return problem(404, 'reward_not_found', 'the customer has no such reward');
      const now = opts.now();
      if (!reward.activated)
        return problem(422, 'not_activated', 'the customer has not activated this reward');
      if (!reward.repeatable && reward.remaining === 0)
        return problem(409, 'already_redeemed', 'this single-use reward was already redeemed');
      // An expired or exhausted program may still be applied with an explicit override (DESIGN §2).
      const override = b.override === true;
      if (!override && reward.valid_until !== null && Date.parse(reward.valid_until) < now)
        return problem(422, 'expired', `the reward expired at ${reward.valid_until}`);
      if (!override && reward.valid_from !== null && Date.parse(reward.valid_from) > now)
        return problem(422, 'not_yet_valid', `the reward is valid from ${reward.valid_from}`);
      if (!override && reward.remaining !== null && reward.remaining <= 0)
        return problem(422, 'exhausted', 'the reward has no uses left');
      const usedOne = reward.remaining !== null && reward.remaining > 0;
      if (usedOne && reward.remaining !== null) reward.remaining -= 1;
      const pointsAdded = reward.kind === 'bonus_points' ? (reward.value.points ?? 0) : 0;
      customer.points += pointsAdded;
      const r: Redemption = {
        redemption_id: nextId('R'),
        customer_ref: customer.ref,
        reward,
        at: now,
        usedOne,
        pointsAdded,
        voided: false,
      };
      redemptions.set(r.redemption_id, r);
      effect('redemption', key, b.transaction_id, {
        customer_ref: customer.ref,
        ...(reward.value.amount_cents !== undefined ? { amount_cents: reward.value.amount_cents } : {}),
      });
      return {
        status: 201,
        body: { redemption_id: r.redemption_id, discount: { kind: reward.kind, ...reward.value } },
      };
    },

    voidRedemption(key, redemptionId, b) {
      const r = redemptions.get(redemptionId);
      if (!r) return problem(404, 'redemption_not_found', 'no such redemption');
      if (r.voided) return { status: 200, body: { redemption_id: r.redemption_id, state: 'voided' } };
      if (opts.now() - r.at > opts.voidWindowMs)
        return problem(
          410,
          'void_window_closed',
          `a redemption can be voided within ${opts.voidWindowMs / 1000} s`,
        );
      r.voided = true;
      if (r.usedOne && r.reward.remaining !== null) r.reward.remaining += 1;
      const customer = customers.get(r.customer_ref);
      if (customer) customer.points -= r.pointsAdded;
      effect('void', key, b.transaction_id, { customer_ref: r.customer_ref });
      return { status: 200, body: { redemption_id: r.redemption_id, state: 'voided' } };
    },

    reverse(key, purchaseRef, b) {
      // Found by purchase id, or by the external transaction key it was booked with, so a storno can
      // be queued before its turnover was delivered (the outbox keeps their order, DESIGN §5).
      const p = purchases.get(purchaseRef) ?? purchaseByKey.get(purchaseRef);
      if (!p) return problem(404, 'purchase_not_found', 'no such purchase');
      const customer = customers.get(p.customer_ref);
      const balance = () => customer?.points ?? 0;
      if (p.reversed)
        return {
          status: 200,
          body: { purchase_id: p.purchase_id, state: 'reversed', points_balance: balance() },
        };
      p.reversed = true;
      if (customer) customer.points = Math.max(0, customer.points - p.points_earned);
      effect('reverse', key, b.transaction_id, {
        amount_cents: p.amount_cents,
        customer_ref: p.customer_ref,
      });
      return {
        status: 200,
        body: { purchase_id: p.purchase_id, state: 'reversed', points_balance: balance() },
      };
    },

    activate(key, b) {
      const hashes = [`m:${b.mobile.replace(/\s/g, '')}`, `e:${b.email.trim().toLowerCase()}`].map((s) =>
        createHash('sha256').update(s).digest('hex'),
      );
      if (hashes.some((h) => contacts.has(h)))
        return problem(409, 'duplicate_contact', 'a customer with this mobile number or e-mail exists');
      for (const h of hashes) contacts.add(h);
      const ref = `C-${2001 + enrolled++}`;
      customers.set(ref, { ref, masked_ref: `****${ref.slice(-4)}`, points: 0, rewards: [] });
      effect('activation', key, b.transaction_id, { customer_ref: ref });
      return { status: 201, body: { customer_ref: ref } };
    },
  };
}
