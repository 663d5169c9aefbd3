// One mobile-number rule for the till's op and the provider's check (issue 8): what the till
// accepts, the provider check accepts too, so a cashier never sees a number pass one and fail the
// other; separators a person types are ignored and the same number written two ways is one contact.
import test from 'ava';
import { loyaltyRig, tx } from './_setup.ts';

test('a mobile number typed with brackets and dashes enrols; the same digits again are a duplicate', async (t) => {
  const { request } = await loyaltyRig(t);
  const first = await request('loyalty/activate', {
    transaction: tx('act'),
    mobile: '+43 (660) 765-4321',
    email: 'first@example.com',
  });
  t.is(first.status, 'ok');
  t.is(typeof first.data.customer_ref, 'string');
  const again = await request('loyalty/activate', {
    transaction: tx('act'),
    mobile: '+436607654321',
    email: 'other@example.com',
  });
  t.is(again.error?.code, 'duplicate_contact');
});

test('a mobile number with letters or too few digits is refused by the till op, naming the field only', async (t) => {
  const { request, sim } = await loyaltyRig(t);
  for (const mobile of ['12ab567', '+43 12', '1'.repeat(16)]) {
    const res = await request('loyalty/activate', { transaction: tx('bad'), mobile, email: 'x@example.com' });
    t.is(res.error?.code, 'invalid_request', mobile);
    t.regex(res.error.message, /mobile: got a string, expected a phone number/);
    t.false(res.error.message.includes(mobile));
  }
  t.is(sim.ledger.effects().length, 0);
});

// The provider's length limit for an e-mail (254) moved to the till op (src/mqtt/ops.ts): an
// address one character longer is a schema error naming the field, never echoing the address, and
// nothing reaches the provider; the longest one allowed enrols. A malformed address is told as such
// alone, as before the rule moved.
test('an e-mail longer than 254 characters is refused by the till op; one of 254 enrols', async (t) => {
  const { request, sim } = await loyaltyRig(t);
  const email = (chars: number) => `${'a'.repeat(chars - '@example.com'.length)}@example.com`;
  const long = await request('loyalty/activate', {
    transaction: tx('long'),
    mobile: '+436601112233',
    email: email(255),
  });
  t.like(long, { status: 'error', error: { code: 'invalid_request', details: { reason: 'schema' } } });
  t.deepEqual(Object.keys(long.error.details.fields), ['email']);
  t.regex(
    long.error.message,
    /^invalid arguments: email: got a string: Too big: expected string to have <=254 characters$/,
  );
  const malformed = await request('loyalty/activate', {
    transaction: tx('bad'),
    mobile: '+436601112233',
    email: 'x'.repeat(300),
  });
  t.regex(malformed.error.message, /^invalid arguments: email: got a string: Invalid email address$/);
  t.is(sim.ledger.effects().length, 0);
  const longest = await request('loyalty/activate', {
    transaction: tx('ok'),
    mobile: '+436601112233',
    email: email(254),
  });
  t.is(longest.status, 'ok');
  t.is(sim.ledger.effects().length, 1);
});
