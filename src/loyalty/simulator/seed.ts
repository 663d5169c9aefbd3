// The simulator's seeded customers and rewards. Exported as constants so that tests anywhere in the
// project (handlers, outbox, end-to-end) scan the same codes and redeem the same rewards.
// Every reward kind of DESIGN §2 is present, in every state the till must show: available, not
// activated, expired (valid_until in the past), exhausted (remaining 0) and not yet valid.
// App tokens look like `HA-` + base32 (the hello again format is unpublished:
// docs/scanners-and-readers.md §7.1).

const APP_URL = 'https://app.helloagain.com/c/';

export const SEED = {
  apiKey: 'sim-api-key',
  /** Points per whole currency unit of a turnover. */
  pointsPerUnit: 1,
  appUrlPrefix: APP_URL,
  customers: {
    /** Card and app; one reward of every state. */
    regular: {
      ref: 'C-1001',
      maskedRef: '****7890',
      points: 1250,
      card: '9276001234567890',
      appToken: 'HA-K7QW3MZD5RTXP2LN',
      appUrl: `${APP_URL}HA-K7QW3MZD5RTXP2LN`,
    },
    /** App user with a current and an expired (rotated) token. */
    appUser: {
      ref: 'C-1002',
      maskedRef: '****7906',
      points: 40,
      card: '9276001234567906',
      appToken: 'HA-B4NVX6JY2KQHM7RE',
      appUrl: `${APP_URL}HA-B4NVX6JY2KQHM7RE`,
      expiredToken: 'HA-E3XPGQ2ZT5WLNM6A',
    },
    /** Plastic card only, no points yet. */
    cardOnly: { ref: 'C-1003', maskedRef: '****8029', points: 0, card: '9276001234568029' },
    /** App only, many points, no rewards. */
    appOnly: {
      ref: 'C-1004',
      maskedRef: '****Q7PJ',
      points: 9000,
      appToken: 'HA-D6CRM4KWZ3YTQ7PJ',
      appUrl: `${APP_URL}HA-D6CRM4KWZ3YTQ7PJ`,
    },
  },
  rewards: {
    /** C-1001: 10 % off, single use. */
    discount: 'RW-1001-DISCOUNT10',
    /** C-1001: stamp card, 3 free coffees left. */
    stamp: 'RW-1001-STAMP',
    /** C-1001: 100 bonus points, not activated in the app. */
    bonusNotActivated: 'RW-1001-BONUS100',
    /** C-1001: 5.00 voucher, valid_until in the past. */
    voucherExpired: 'RW-1001-VOUCHER-OLD',
    /** C-1001: prepaid card with remaining 0. */
    prepaidExhausted: 'RW-1001-PREPAID-EMPTY',
    /** C-1002: prepaid balance, 4 uses of 2.50 left. */
    prepaid: 'RW-1002-PREPAID',
    /** C-1002: 10.00 voucher, single use. */
    voucher: 'RW-1002-VOUCHER10',
    /** C-1002: 50 bonus points, single use. */
    bonus: 'RW-1002-BONUS50',
    /** C-1003: 15 % off, not activated. */
    discountNotActivated: 'RW-1003-DISCOUNT15',
    /** C-1003: starts in the future. */
    upcoming: 'RW-1003-UPCOMING',
  },
  /** A well-formed app token that belongs to nobody. */
  unknownToken: 'HA-AAAAAAAAAAAAAAAA',
  unknownCard: '9276009999999999',
} as const;

export type RewardKindWire = 'discount' | 'stamp' | 'bonus_points' | 'prepaid' | 'voucher';

export interface RewardValueWire {
  percent?: number;
  amount_cents?: number;
  currency?: string;
  points?: number;
  item?: string;
}

export interface SimReward {
  id: string;
  name: string;
  kind: RewardKindWire;
  activated: boolean;
  valid_from: string | null;
  valid_until: string | null;
  /** Uses left; null = unlimited. */
  remaining: number | null;
  /** A single-use reward answers 409 already_redeemed once used (DESIGN §4). */
  repeatable: boolean;
  value: RewardValueWire;
}

export interface SimCustomer {
  ref: string;
  masked_ref: string;
  points: number;
  rewards: SimReward[];
}

export interface SimCodes {
  /** Upper-cased app token → customer ref, and whether it has expired. */
  tokens: Map<string, { customerRef: string; expired: boolean }>;
  /** Card number (digits only) → customer ref. */
  cards: Map<string, string>;
}

const FROM = '2024-01-01T00:00:00Z';
const FOREVER = '2099-12-31T23:59:59Z';
const PAST = '2020-12-31T23:59:59Z';
const FUTURE = '2098-01-01T00:00:00Z';

function reward(r: Partial<SimReward> & Pick<SimReward, 'id' | 'name' | 'kind' | 'value'>): SimReward {
  return { activated: true, valid_from: FROM, valid_until: FOREVER, remaining: 1, repeatable: false, ...r };
}

/** Fresh, mutable copies of the seeded accounts (the simulator mutates them; reset builds new ones). */
export function seedAccounts(): { customers: Map<string, SimCustomer>; codes: SimCodes } {
  const { regular, appUser, cardOnly, appOnly } = SEED.customers;
  const R = SEED.rewards;
  const list: SimCustomer[] = [
    {
      ref: regular.ref,
      masked_ref: regular.maskedRef,
      points: regular.points,
      rewards: [
        reward({ id: R.discount, name: '10 % off your purchase', kind: 'discount', value: { percent: 10 } }),
        reward({
          id: R.stamp,
          name: 'Coffee stamp card',
          kind: 'stamp',
          remaining: 3,
          repeatable: true,
          value: { item: 'Free coffee' },
        }),
        reward({
          id: R.bonusNotActivated,
          name: '100 bonus points',
          kind: 'bonus_points',
          activated: false,
          value: { points: 100 },
        }),
        reward({
          id: R.voucherExpired,
          name: '5 EUR voucher',
          kind: 'voucher',
          valid_until: PAST,
          value: { amount_cents: 500, currency: 'EUR' },
        }),
        reward({
          id: R.prepaidExhausted,
          name: 'Prepaid wash card',
          kind: 'prepaid',
          remaining: 0,
          repeatable: true,
          value: { amount_cents: 300, currency: 'EUR' },
        }),
      ],
    },
    {
      ref: appUser.ref,
      masked_ref: appUser.maskedRef,
      points: appUser.points,
      rewards: [
        reward({
          id: R.prepaid,
          name: 'Prepaid balance',
          kind: 'prepaid',
          remaining: 4,
          repeatable: true,
          value: { amount_cents: 250, currency: 'EUR' },
        }),
        reward({
          id: R.voucher,
          name: '10 EUR voucher',
          kind: 'voucher',
          value: { amount_cents: 1000, currency: 'EUR' },
        }),
        reward({ id: R.bonus, name: '50 bonus points', kind: 'bonus_points', value: { points: 50 } }),
      ],
    },
    {
      ref: cardOnly.ref,
      masked_ref: cardOnly.maskedRef,
      points: cardOnly.points,
      rewards: [
        reward({
          id: R.discountNotActivated,
          name: '15 % off',
          kind: 'discount',
          activated: false,
          value: { percent: 15 },
        }),
        reward({
          id: R.upcoming,
          name: 'Summer voucher',
          kind: 'voucher',
          valid_from: FUTURE,
          value: { amount_cents: 300, currency: 'EUR' },
        }),
      ],
    },
    { ref: appOnly.ref, masked_ref: appOnly.maskedRef, points: appOnly.points, rewards: [] },
  ];
  const codes: SimCodes = {
    tokens: new Map([
      [regular.appToken, { customerRef: regular.ref, expired: false }],
      [appUser.appToken, { customerRef: appUser.ref, expired: false }],
      [appUser.expiredToken, { customerRef: appUser.ref, expired: true }],
      [appOnly.appToken, { customerRef: appOnly.ref, expired: false }],
    ]),
    cards: new Map([
      [regular.card, regular.ref],
      [appUser.card, appUser.ref],
      [cardOnly.card, cardOnly.ref],
    ]),
  };
  return { customers: new Map(list.map((c) => [c.ref, c])), codes };
}
