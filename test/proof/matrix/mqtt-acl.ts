// The MQTT half of the security matrix as data (DESIGN §3): what a till login may publish and
// subscribe to, and which logins the broker takes. Written out by hand from the design, not derived
// from the topic registry, so that a registry or ACL change that widens access shows up here.
export type Verdict = 'allowed' | 'refused';
export type Transport = 'tcp' | 'ws';
export const TRANSPORTS: readonly Transport[] = ['tcp', 'ws'];

/** A provisioned box serving till A, with a login for A and one for another till B. */
export const TILLS = {
  'till-a': { password: 'pw-a-Correct-1', base: 'pos/A' },
  'till-b': { password: 'pw-b-Correct-2', till_id: 'B', base: 'pos/B' },
} as const;
export type Till = keyof typeof TILLS;
export const TILL_NAMES = Object.keys(TILLS) as Till[];

export interface BaseTopic {
  /** Relative to a till's base. */
  rel: string;
  /** What the till may do below its own base; below another till's base everything is refused. */
  publish: Verdict;
  subscribe: Verdict;
  /** A retained catalogue topic of the gateway: a till's publish must not replace it. */
  retained?: boolean;
}

/** Below a till's own base: publish requests only, subscribe to anything of its own. */
export const BASE_TOPICS: readonly BaseTopic[] = [
  { rel: 'gateway/state', publish: 'refused', subscribe: 'allowed', retained: true },
  { rel: 'gateway/info', publish: 'refused', subscribe: 'allowed', retained: true },
  { rel: 'gateway/health', publish: 'refused', subscribe: 'allowed', retained: true },
  { rel: 'devices', publish: 'refused', subscribe: 'allowed', retained: true },
  { rel: 'device/scanner-1/availability', publish: 'refused', subscribe: 'allowed', retained: true },
  { rel: 'scan', publish: 'refused', subscribe: 'allowed' },
  { rel: 'loyalty/customer', publish: 'refused', subscribe: 'allowed' },
  { rel: 'response/gateway/test_scan', publish: 'refused', subscribe: 'allowed' },
  { rel: 'event/loyalty/booked', publish: 'refused', subscribe: 'allowed' },
  { rel: 'request/gateway/test_scan', publish: 'allowed', subscribe: 'allowed' },
  { rel: 'request/loyalty/turnover', publish: 'allowed', subscribe: 'allowed' },
  // No op after `request`: not a request topic.
  { rel: 'request', publish: 'refused', subscribe: 'allowed' },
  { rel: 'not/in/the/registry', publish: 'refused', subscribe: 'allowed' },
];

/** Wildcard filters below a till's own base (relative). */
export const BASE_FILTERS: readonly { rel: string; subscribe: Verdict }[] = [
  { rel: '#', subscribe: 'allowed' },
  { rel: 'response/#', subscribe: 'allowed' },
  { rel: '+/+', subscribe: 'allowed' },
];

/** Filters that reach beyond one base, or name no base at all: refused to every till. */
export const GLOBAL_FILTERS: readonly string[] = [
  '#',
  '+',
  'pos/#',
  'pos/+/scan',
  '+/A/#',
  '+/B/#',
  'pos',
  'pos/A',
  'pos/B',
  'pos/A/',
  '$SYS/#',
  'edge/#',
];

/** Topics outside every base: a till may publish to none. */
export const GLOBAL_TOPICS: readonly string[] = [
  'pos',
  'pos/A',
  'pos/B',
  '$SYS/broker/clients',
  'edge/B1/A/state',
  'A/request/gateway/test_scan',
];

export interface LoginCase {
  name: string;
  username?: string;
  password?: string;
  expect: Verdict;
  /** The CONNACK return code of a refusal (MQTT 3.1.1: 4 bad username or password, 5 not authorised). */
  code?: number;
}

const A = TILLS['till-a'].password;
const B = TILLS['till-b'].password;

/** Logins against the provisioned box, on each transport. `{hash-a}` stands for till A's stored hash. */
export const LOGINS: readonly LoginCase[] = [
  { name: 'anonymous', expect: 'refused', code: 5 },
  { name: 'username, no password', username: 'till-a', expect: 'refused', code: 4 },
  { name: 'empty password', username: 'till-a', password: '', expect: 'refused', code: 4 },
  { name: 'wrong password', username: 'till-a', password: 'pw-a-wrong-1', expect: 'refused', code: 4 },
  { name: "till B's password for till A", username: 'till-a', password: B, expect: 'refused', code: 4 },
  {
    name: 'password in other case',
    username: 'till-a',
    password: A.toUpperCase(),
    expect: 'refused',
    code: 4,
  },
  {
    name: 'password with a trailing space',
    username: 'till-a',
    password: `${A} `,
    expect: 'refused',
    code: 4,
  },
  { name: 'stored hash as password', username: 'till-a', password: '{hash-a}', expect: 'refused', code: 4 },
  { name: 'unknown user', username: 'mallory', password: A, expect: 'refused', code: 4 },
  { name: 'username in other case', username: 'TILL-A', password: A, expect: 'refused', code: 4 },
  { name: 'till A', username: 'till-a', password: A, expect: 'allowed' },
  { name: 'till B', username: 'till-b', password: B, expect: 'allowed' },
];
