// Configurable loyalty token patterns (DESIGN §2 flow 1, docs/scanners-and-readers.md §7.1,
// §8 item 26).
import test from 'ava';
import {
  ClassifySettingsError,
  classify,
  compileLoyaltyPatterns,
  createClassifyOptions,
  defaultLoyaltyPatterns,
  type LoyaltyPattern,
  loyaltyPatternSchema,
  loyaltyPatternsSchema,
  matchLoyalty,
} from '../../src/classify/index.ts';
import { frame } from './helpers/frames.ts';

function patterns(...list: LoyaltyPattern[]) {
  return compileLoyaltyPatterns(loyaltyPatternsSchema.parse(list));
}

test('the default patterns are valid and frozen', (t) => {
  t.deepEqual(loyaltyPatternsSchema.parse(defaultLoyaltyPatterns), [...defaultLoyaltyPatterns]);
  t.true(Object.isFrozen(defaultLoyaltyPatterns));
  t.true(Object.isFrozen(defaultLoyaltyPatterns[0]!.hosts));
});

test('a regex that does not compile is refused with the pattern named', (t) => {
  const result = loyaltyPatternSchema.safeParse({ name: 'broken', kind: 'qr', regex: '(?<token>[a-z' });
  t.false(result.success);
  t.deepEqual(
    result.error?.issues.map((i) => i.path),
    [['regex']],
  );
  t.regex(result.error?.issues[0]?.message ?? '', /^loyalty pattern "broken": regex does not compile/);
});

test('a regex without a token group is refused', (t) => {
  const result = loyaltyPatternSchema.safeParse({
    name: 'no-token',
    kind: 'card',
    regex: '(?<number>[0-9]+)',
  });
  t.is(result.error?.issues[0]?.message, 'loyalty pattern "no-token": regex has no named group (?<token>…)');
});

test('hosts must be host names, and uid patterns take none', (t) => {
  t.false(
    loyaltyPatternSchema.safeParse({ name: 'x', kind: 'qr', regex: '(?<token>.+)', hosts: ['https://a.b'] })
      .success,
  );
  t.false(
    loyaltyPatternSchema.safeParse({ name: 'x', kind: 'qr', regex: '(?<token>.+)', hosts: [] }).success,
  );
  t.false(
    loyaltyPatternSchema.safeParse({ name: 'x', kind: 'uid', regex: '(?<token>.+)', hosts: ['a.b'] }).success,
  );
  t.deepEqual(
    loyaltyPatternSchema.parse({
      name: 'x',
      kind: 'qr',
      regex: '(?<token>.+)',
      hosts: [' App.Example.COM ', '*.Shop.AT'],
    }).hosts,
    ['app.example.com', '*.shop.at'],
  );
});

test('pattern names are unique', (t) => {
  const twice = { name: 'same', kind: 'qr', regex: '(?<token>.+)' };
  const result = loyaltyPatternsSchema.safeParse([twice, twice]);
  t.deepEqual(
    result.error?.issues.map((i) => i.path),
    [[1, 'name']],
  );
});

test('settings with a bad pattern fail loudly, naming path, pattern and value', (t) => {
  const error = t.throws(
    () =>
      createClassifyOptions({
        loyaltyPatterns: [defaultLoyaltyPatterns[0], { name: 'club', kind: 'card', regex: '[0-9' }],
      }),
    { instanceOf: ClassifySettingsError },
  );
  // One line per problem: path, the pattern's name, the engine's reason, the value seen.
  t.is(error?.issues.length, 1);
  t.regex(
    error?.issues[0] ?? '',
    /^loyaltyPatterns\[1\]\.regex: got "\[0-9": loyalty pattern "club": regex does not compile: .+$/,
  );
  t.regex(error?.message ?? '', /^invalid classification settings:\n {2}loyaltyPatterns\[1\]\.regex: /);
});

test('regexes match the whole content, not a part of it', (t) => {
  const only = patterns({ name: 'club', kind: 'card', regex: 'CLUB(?<token>[0-9]{6})' });
  t.is(matchLoyalty('CLUB123456', only).match?.token, '123456');
  t.is(matchLoyalty('xCLUB123456', only).match, undefined);
  t.is(matchLoyalty('CLUB1234567', only).match, undefined);
});

test('the first matching pattern wins', (t) => {
  const list = patterns(
    { name: 'first', kind: 'card', regex: '(?<token>[0-9]{8})' },
    { name: 'second', kind: 'card', regex: '(?<token>[0-9]+)' },
  );
  t.deepEqual(matchLoyalty('12345678', list).match, { pattern: 'first', token: '12345678', kind: 'card' });
  t.deepEqual(matchLoyalty('123', list).match, { pattern: 'second', token: '123', kind: 'card' });
});

test('a subdomain wildcard allows subdomains but not the bare domain or look-alikes', (t) => {
  const list = patterns({
    name: 'shop',
    kind: 'qr',
    hosts: ['*.shop.example'],
    regex: 'https://[^/]+/m/(?<token>[a-z0-9]+)',
  });
  t.is(matchLoyalty('https://eu.shop.example/m/abc1', list).match?.token, 'abc1');
  t.deepEqual(matchLoyalty('https://shop.example/m/abc1', list), { warnings: ['foreign_host'] });
  t.deepEqual(matchLoyalty('https://evilshop.example/m/abc1', list), { warnings: ['foreign_host'] });
});

test('a URL pattern never sees non-URL content, a plain pattern never needs a URL', (t) => {
  const list = patterns(
    { name: 'url', kind: 'qr', hosts: ['a.example'], regex: '.*/(?<token>[0-9]+)' },
    { name: 'plain', kind: 'qr', regex: 'a\\.example/(?<token>[0-9]+)' },
  );
  t.deepEqual(matchLoyalty('a.example/42', list).match, { pattern: 'plain', token: '42', kind: 'qr' });
  t.deepEqual(matchLoyalty('https://A.EXAMPLE./42', list).match, { pattern: 'url', token: '42', kind: 'qr' });
});

test('an empty token is no match', (t) => {
  const list = patterns({ name: 'maybe', kind: 'qr', regex: 'ID:(?<token>[0-9]*)' });
  t.is(matchLoyalty('ID:', list).match, undefined);
});

test('uid patterns are not tried on scanned text', (t) => {
  const list = patterns({ name: 'tag', kind: 'uid', regex: '(?<token>[0-9A-F]{8})' });
  t.is(matchLoyalty('51E69621', list).match, undefined);
});

test('default card numbers (MII 9, 16–19 digits) are loyalty; a GTIN starting with 9 stays a product', (t) => {
  const defaults = createClassifyOptions();
  t.deepEqual(classify(frame('9276001234567895'), defaults).loyalty, {
    pattern: 'loyalty-card-number',
    token: '9276001234567895',
    kind: 'card',
  });
  t.is(classify(frame('9002490100070'), defaults).kind, 'product');
});

test('a configured card prefix claims a barcode before the product step', (t) => {
  // Given a merchant whose cards are EAN-13s in the in-store range 29.
  const options = createClassifyOptions({
    loyaltyPatterns: [{ name: 'store-card', kind: 'card', regex: '(?<token>29[0-9]{11})' }],
  });
  t.deepEqual(classify(frame('2900000000014', { aim: ']E0' }), options), {
    kind: 'loyalty',
    symbology: 'ean-13',
    aim: ']E0',
    text: '2900000000014',
    loyalty: { pattern: 'store-card', token: '2900000000014', kind: 'card' },
    warnings: [],
  });
});
