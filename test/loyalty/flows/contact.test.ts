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
