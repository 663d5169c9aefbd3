// Bad (and a few good) MQTT requests a till may send, each with the one answer it must get
// (DESIGN §3: exactly one response per request, with a stable code). Sent one by one to a real
// gateway in demo mode (built-in provider simulator) by a real mqtt.js client: test/proof/mqtt-corpus.test.ts.
import { SEED } from '../../../src/loyalty/simulator/seed.ts';

export type Payload =
  /** JSON-encoded; `transaction` is added (a unique id per case) unless the object has the key. */
  | { json: Record<string, unknown> }
  /** Sent as these UTF-8 characters exactly. */
  | { raw: string }
  | { bytes: Buffer };

export type Expected =
  | { status: 'ok'; data?: Record<string, unknown> }
  | { status: 'error'; code: string; reason?: string };

export interface MqttCase {
  name: string;
  /** Topic below `<base>/request/`. */
  op: string;
  payload: Payload;
  qos?: 0 | 1;
  expect: Expected;
  /** The transaction the answer must echo; defaults to the case's own id for `json` payloads that
   * did not set one, null for all others. */
  echo?: string | number | null;
  /** Strings that must not appear in any log line or MQTT message afterwards (cards, contact data). */
  secret?: string[];
}

const invalid = (reason?: string): Expected =>
  reason === undefined
    ? { status: 'error', code: 'invalid_request' }
    : { status: 'error', code: 'invalid_request', reason };
const schema = invalid('schema');
const ok = (data?: Record<string, unknown>): Expected => (data ? { status: 'ok', data } : { status: 'ok' });
const C = SEED.customers.regular;
const turnover = (extra: Record<string, unknown>) => ({
  customer_ref: C.ref,
  receipt_number: 'R-1',
  amount_cents: 1999,
  currency: 'EUR',
  ...extra,
});
const VISA = '4111111111111111';

export const mqttCases: MqttCase[] = [
  // Not JSON at all.
  {
    name: 'truncated JSON',
    op: 'gateway/test_scan',
    payload: { raw: '{"transaction":"x","text":' },
    expect: invalid('invalid_json'),
  },
  {
    name: 'trailing comma',
    op: 'gateway/test_scan',
    payload: { raw: '{"transaction":"x","text":"a",}' },
    expect: invalid('invalid_json'),
  },
  {
    name: 'single quotes',
    op: 'gateway/test_scan',
    payload: { raw: "{'transaction':'x','text':'a'}" },
    expect: invalid('invalid_json'),
  },
  {
    name: 'NaN literal',
    op: 'loyalty/turnover',
    payload: { raw: '{"transaction":"x","amount_cents":NaN}' },
    expect: invalid('invalid_json'),
  },
  { name: 'empty payload', op: 'gateway/test_scan', payload: { raw: '' }, expect: invalid('invalid_json') },
  {
    name: 'whitespace only',
    op: 'gateway/test_scan',
    payload: { raw: ' \r\n\t' },
    expect: invalid('invalid_json'),
  },
  {
    name: 'UTF-8 BOM before the JSON',
    op: 'gateway/test_scan',
    payload: { raw: '\ufeff{"transaction":"x","text":"a"}' },
    expect: invalid('invalid_json'),
  },
  {
    name: 'two JSON objects back to back',
    op: 'gateway/test_scan',
    payload: { raw: '{"transaction":"a","text":"a"}{"transaction":"b","text":"b"}' },
    expect: invalid('invalid_json'),
  },
  {
    name: 'binary garbage',
    op: 'gateway/test_scan',
    payload: { bytes: Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80, 0x7b]) },
    expect: invalid('invalid_json'),
  },
  {
    name: 'invalid UTF-8 inside a string',
    op: 'gateway/test_scan',
    payload: {
      bytes: Buffer.concat([
        Buffer.from('{"transaction":"inv-utf8","text":"a'),
        Buffer.from([0xc3, 0x28]),
        Buffer.from('"}'),
      ]),
    },
    expect: ok(),
    echo: 'inv-utf8',
  },
  {
    name: 'JSON nested 10,000 deep',
    op: 'gateway/test_scan',
    payload: { raw: '['.repeat(10_000) + ']'.repeat(10_000) },
    expect: invalid('not_object'),
  },
  {
    name: 'deep nesting inside an argument',
    op: 'gateway/test_scan',
    payload: { raw: `{"transaction":"deep","text":${'['.repeat(5000)}${']'.repeat(5000)}}` },
    expect: schema,
    echo: 'deep',
  },
  // JSON, but not an object.
  {
    name: 'a JSON array',
    op: 'gateway/test_scan',
    payload: { raw: '[{"transaction":"x","text":"a"}]' },
    expect: invalid('not_object'),
  },
  {
    name: 'a JSON string',
    op: 'gateway/test_scan',
    payload: { raw: '"hello"' },
    expect: invalid('not_object'),
  },
  { name: 'JSON null', op: 'gateway/test_scan', payload: { raw: 'null' }, expect: invalid('not_object') },
  { name: 'a bare number', op: 'gateway/test_scan', payload: { raw: '42' }, expect: invalid('not_object') },
  // The transaction.
  {
    name: 'missing transaction',
    op: 'gateway/test_scan',
    payload: { json: { transaction: undefined, text: 'a' } },
    expect: schema,
    echo: null,
  },
  {
    name: 'empty transaction',
    op: 'gateway/test_scan',
    payload: { json: { transaction: '', text: 'a' } },
    expect: schema,
    echo: null,
  },
  {
    name: 'transaction of 129 characters',
    op: 'gateway/test_scan',
    payload: { json: { transaction: 'x'.repeat(129), text: 'a' } },
    expect: schema,
    echo: null,
  },
  {
    name: 'transaction of 128 characters is fine',
    op: 'gateway/test_scan',
    payload: { json: { transaction: 'y'.repeat(128), text: 'a' } },
    expect: ok(),
    echo: 'y'.repeat(128),
  },
  {
    name: 'negative transaction number',
    op: 'gateway/test_scan',
    payload: { json: { transaction: -1, text: 'a' } },
    expect: schema,
    echo: null,
  },
  {
    name: 'fractional transaction number',
    op: 'gateway/test_scan',
    payload: { json: { transaction: 1.5, text: 'a' } },
    expect: schema,
    echo: null,
  },
  {
    name: 'transaction beyond 2^53',
    op: 'gateway/test_scan',
    payload: { raw: '{"transaction":9007199254740993,"text":"a"}' },
    expect: schema,
    echo: null,
  },
  {
    name: 'transaction 1e400 (Infinity)',
    op: 'gateway/test_scan',
    payload: { raw: '{"transaction":1e400,"text":"a"}' },
    expect: schema,
    echo: null,
  },
  {
    name: 'transaction as an object',
    op: 'gateway/test_scan',
    payload: { json: { transaction: { id: 1 }, text: 'a' } },
    expect: schema,
    echo: null,
  },
  {
    name: 'transaction true',
    op: 'gateway/test_scan',
    payload: { json: { transaction: true, text: 'a' } },
    expect: schema,
    echo: null,
  },
  {
    name: 'transaction 0 is fine',
    op: 'gateway/test_scan',
    payload: { json: { transaction: 0, text: 'zero' } },
    expect: ok(),
    echo: 0,
  },
  // Topic injection: ids are data, never topics.
  {
    name: 'transaction with MQTT wildcards and levels',
    op: 'gateway/test_scan',
    payload: { json: { transaction: 'pos/T1/#/+', text: 'a' } },
    expect: ok(),
    echo: 'pos/T1/#/+',
  },
  {
    name: 'transaction naming another till',
    op: 'gateway/test_scan',
    payload: { json: { transaction: '../../T2/response/x', text: 'a' } },
    expect: ok(),
    echo: '../../T2/response/x',
  },
  {
    name: 'device_id with topic levels and wildcards',
    op: 'gateway/test_scan',
    payload: { json: { text: 'dev', device_id: 'x/+/#' } },
    expect: ok(),
  },
  {
    name: 'receipt number with a NUL and wildcards',
    op: 'loyalty/turnover',
    payload: { json: turnover({ receipt_number: 'R\u0000#+/1' }) },
    expect: ok({ state: 'booked' }),
  },
  // Unknown ops and odd op topics.
  {
    name: 'unknown op',
    op: 'gateway/self_destruct',
    payload: { json: {} },
    expect: { status: 'error', code: 'unknown_op' },
  },
  {
    name: 'op in upper case',
    op: 'LOYALTY/IDENTIFY',
    payload: { json: { code: 'x' } },
    expect: { status: 'error', code: 'unknown_op' },
  },
  {
    name: 'op with an extra level',
    op: 'loyalty/identify/now',
    payload: { json: { code: 'x' } },
    expect: { status: 'error', code: 'unknown_op' },
  },
  {
    name: 'op with unicode',
    op: 'loyalty/idéntify',
    payload: { json: { code: 'x' } },
    expect: { status: 'error', code: 'unknown_op' },
  },
  {
    name: 'op named like an Object property',
    op: '__proto__',
    payload: { json: {} },
    expect: { status: 'error', code: 'unknown_op' },
  },
  {
    name: 'op "constructor"',
    op: 'constructor',
    payload: { json: {} },
    expect: { status: 'error', code: 'unknown_op' },
  },
  { name: 'unknown op without a transaction', op: 'nothing', payload: { raw: '{}' }, expect: schema },
  // Wrong types and ranges.
  {
    name: 'test scan text is a number',
    op: 'gateway/test_scan',
    payload: { json: { text: 42 } },
    expect: schema,
  },
  { name: 'test scan text empty', op: 'gateway/test_scan', payload: { json: { text: '' } }, expect: schema },
  {
    name: 'test scan text of 4097 characters',
    op: 'gateway/test_scan',
    payload: { json: { text: 'x'.repeat(4097) } },
    expect: schema,
  },
  { name: 'identify without code', op: 'loyalty/identify', payload: { json: {} }, expect: schema },
  {
    name: 'identify entry not manual/scan',
    op: 'loyalty/identify',
    payload: { json: { code: C.appToken, entry: 'nfc' } },
    expect: schema,
  },
  {
    name: 'identify code of blanks only',
    op: 'loyalty/identify',
    payload: { json: { code: '   ' } },
    expect: invalid(),
  },
  {
    name: 'turnover negative amount',
    op: 'loyalty/turnover',
    payload: { json: turnover({ amount_cents: -1 }) },
    expect: schema,
  },
  {
    name: 'turnover amount as a string',
    op: 'loyalty/turnover',
    payload: { json: turnover({ amount_cents: '1999' }) },
    expect: schema,
  },
  {
    name: 'turnover fractional cents',
    op: 'loyalty/turnover',
    payload: { json: turnover({ amount_cents: 19.99 }) },
    expect: schema,
  },
  {
    name: 'turnover amount 1e308',
    op: 'loyalty/turnover',
    payload: { json: turnover({ amount_cents: 1e308 }) },
    expect: schema,
  },
  {
    name: 'turnover amount 1e400 (Infinity)',
    op: 'loyalty/turnover',
    payload: { raw: JSON.stringify(turnover({ transaction: 'inf' })).replace('1999', '1e400') },
    expect: schema,
    echo: 'inf',
  },
  {
    name: 'turnover amount above the cap',
    op: 'loyalty/turnover',
    payload: { json: turnover({ amount_cents: 100_000_001 }) },
    expect: schema,
  },
  {
    name: 'turnover amount at the cap',
    op: 'loyalty/turnover',
    payload: { json: turnover({ amount_cents: 100_000_000, receipt_number: 'R-CAP' }) },
    expect: ok({ state: 'booked' }),
  },
  {
    name: 'turnover amount -0',
    op: 'loyalty/turnover',
    payload: {
      raw: JSON.stringify(turnover({ transaction: 'neg0', receipt_number: 'R-0' })).replace('1999', '-0'),
    },
    expect: ok({ state: 'booked' }),
    echo: 'neg0',
  },
  {
    name: 'turnover lower-case currency',
    op: 'loyalty/turnover',
    payload: { json: turnover({ currency: 'eur' }) },
    expect: schema,
  },
  {
    name: 'turnover unknown currency',
    op: 'loyalty/turnover',
    payload: { json: turnover({ currency: 'ABC' }) },
    expect: schema,
  },
  {
    name: 'turnover without customer or code',
    op: 'loyalty/turnover',
    payload: { json: turnover({ customer_ref: undefined }) },
    expect: schema,
  },
  {
    name: 'turnover datetime without offset',
    op: 'loyalty/turnover',
    payload: { json: turnover({ receipt_datetime: '2026-01-01T10:00:00' }) },
    expect: schema,
  },
  {
    name: 'turnover redeemed is not a list',
    op: 'loyalty/turnover',
    payload: { json: turnover({ redeemed: 'RW-1' }) },
    expect: schema,
  },
  {
    name: 'turnover with 101 redemptions',
    op: 'loyalty/turnover',
    payload: { json: turnover({ redeemed: Array.from({ length: 101 }, (_, i) => `RD-${i}`) }) },
    expect: schema,
  },
  {
    name: 'redeem override as a string',
    op: 'loyalty/redeem',
    payload: { json: { customer_ref: C.ref, reward_id: SEED.rewards.discount, override: 'yes' } },
    expect: schema,
  },
  { name: 'reverse without original', op: 'loyalty/reverse', payload: { json: {} }, expect: schema },
  {
    name: 'void with an empty id',
    op: 'loyalty/void_redemption',
    payload: { json: { redemption_id: '' } },
    expect: schema,
  },
  {
    name: 'activate with letters as mobile',
    op: 'loyalty/activate',
    payload: { json: { mobile: 'call me', email: 'a@b.example' } },
    expect: schema,
    secret: ['call me'],
  },
  {
    name: 'activate with a bad e-mail',
    op: 'loyalty/activate',
    payload: { json: { mobile: '+43 660 1234567', email: 'not-an-email' } },
    expect: schema,
  },
  {
    name: 'an argument set to null',
    op: 'gateway/test_scan',
    payload: { json: { text: null } },
    expect: schema,
  },
  // Unknown fields are ignored (forward compatibility), the request is carried out.
  {
    name: 'unknown fields besides valid arguments',
    op: 'gateway/test_scan',
    payload: { json: { text: 'extra', colour: 'blue', nested: { a: [1, 2] } } },
    expect: ok(),
  },
  {
    name: '__proto__ key in the payload',
    op: 'gateway/test_scan',
    payload: { raw: '{"transaction":"proto","text":"p","__proto__":{"admin":true}}' },
    expect: ok(),
    echo: 'proto',
  },
  {
    name: '__proto__ carrying the only text',
    op: 'gateway/test_scan',
    payload: { raw: '{"transaction":"proto2","__proto__":{"text":"x"}}' },
    expect: schema,
    echo: 'proto2',
  },
  // Size.
  {
    name: 'payload of 1 MB',
    op: 'gateway/test_scan',
    payload: { raw: JSON.stringify({ transaction: 'big', text: 'x'.repeat(1_048_576) }) },
    expect: invalid('too_large'),
  },
  {
    name: 'payload of 64 KiB + 1 byte',
    op: 'gateway/test_scan',
    payload: { bytes: Buffer.alloc(65_537, 0x20) },
    expect: invalid('too_large'),
  },
  // Unicode oddities in the data.
  {
    name: 'lone surrogate escaped in the text',
    op: 'gateway/test_scan',
    payload: { raw: '{"transaction":"lone","text":"a\\ud800b"}' },
    expect: ok(),
    echo: 'lone',
  },
  {
    name: 'right-to-left override and zero-width characters',
    op: 'gateway/test_scan',
    payload: { json: { text: '\u202egnp.exe\u200b\u200d' } },
    expect: ok(),
  },
  {
    name: 'emoji transaction',
    op: 'gateway/test_scan',
    payload: { json: { transaction: '🧾🛒👩‍👩‍👧', text: 'emoji' } },
    expect: ok(),
    echo: '🧾🛒👩‍👩‍👧',
  },
  {
    name: 'NUL and control characters in the text',
    op: 'gateway/test_scan',
    payload: { json: { text: 'a\u0000b\u0007c\u001d' } },
    expect: ok(),
  },
  {
    name: 'full-width digits of a card in a test scan',
    op: 'gateway/test_scan',
    payload: { json: { text: '４１１１１１１１１１１１１１１１' } },
    expect: ok(),
    secret: ['４１１１１１１１１１１１１１１１', VISA],
  },
  // Card data and contact data are refused or rejected without being kept.
  {
    name: 'a payment card number typed as identify code',
    op: 'loyalty/identify',
    payload: { json: { code: VISA } },
    expect: invalid('payment_card'),
    secret: [VISA],
  },
  {
    name: 'a payment card as turnover code',
    op: 'loyalty/turnover',
    payload: { json: turnover({ customer_ref: undefined, code: '5555555555554444' }) },
    expect: invalid('payment_card'),
    secret: ['5555555555554444'],
  },
  {
    name: 'track 2 data in a test scan',
    op: 'gateway/test_scan',
    payload: { json: { text: `;${VISA}=25121010000000000000?` } },
    expect: ok(),
    secret: [VISA],
  },
  // The same refusals at QoS 0: no PUBACK, the answer still comes.
  {
    name: 'invalid JSON at QoS 0',
    op: 'gateway/test_scan',
    payload: { raw: '{oops' },
    qos: 0,
    expect: invalid('invalid_json'),
  },
  {
    name: 'unknown op at QoS 0',
    op: 'gateway/reboot',
    payload: { json: {} },
    qos: 0,
    expect: { status: 'error', code: 'unknown_op' },
  },
  {
    name: 'negative amount at QoS 0',
    op: 'loyalty/turnover',
    payload: { json: turnover({ amount_cents: -500 }) },
    qos: 0,
    expect: schema,
  },
  {
    name: 'test scan at QoS 0',
    op: 'gateway/test_scan',
    payload: { json: { text: 'qos0' } },
    qos: 0,
    expect: ok(),
  },
  // Good requests through the real simulator, for contrast.
  {
    name: 'identify by app URL',
    op: 'loyalty/identify',
    payload: { json: { code: C.appUrl, entry: 'scan' } },
    expect: ok(),
  },
  {
    name: 'identify by card number typed',
    op: 'loyalty/identify',
    payload: { json: { code: C.card } },
    expect: ok(),
  },
  {
    name: 'identify an unknown code',
    op: 'loyalty/identify',
    payload: { json: { code: SEED.unknownToken } },
    expect: { status: 'error', code: 'not_found' },
  },
  {
    name: 'identify an expired app token',
    op: 'loyalty/identify',
    payload: { json: { code: SEED.customers.appUser.expiredToken } },
    expect: { status: 'error', code: 'expired' },
  },
  {
    name: 'redeem a reward not activated',
    op: 'loyalty/redeem',
    payload: { json: { customer_ref: C.ref, reward_id: SEED.rewards.bonusNotActivated } },
    expect: { status: 'error', code: 'not_activated' },
  },
  {
    name: 'redeem an expired voucher',
    op: 'loyalty/redeem',
    payload: { json: { customer_ref: C.ref, reward_id: SEED.rewards.voucherExpired } },
    expect: { status: 'error', code: 'expired' },
  },
  {
    name: 'turnover booked',
    op: 'loyalty/turnover',
    payload: { json: turnover({ receipt_number: 'R-OK' }) },
    expect: ok({ state: 'booked' }),
  },
  {
    name: 'activate: contact data never kept',
    op: 'loyalty/activate',
    payload: { json: { mobile: '+43 660 7654321', email: 'proof.case@example.org' } },
    expect: ok(),
    secret: ['7654321', 'proof.case@example.org'],
  },
];
