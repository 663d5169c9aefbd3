// Which failure counter a login attempt counts against (src/mqtt/address-key.ts): an IPv4 address
// by itself (also mapped into IPv6), an IPv6 address by its /64, so a guesser rotating through the
// addresses of one /64 is blocked as one. The /64 rule is checked against node's own net.BlockList
// (a subnet match) over random addresses in every spelling; the guard against the real limiter.
import { BlockList } from 'node:net';
import test from 'ava';
import fc from 'fast-check';
import { loginKeyOf } from '../../src/mqtt/address-key.ts';
import { createLoginGuard } from '../../src/mqtt/login-guard.ts';
import { collectingLogger } from '../helpers/gateway.ts';

const group = fc.integer({ min: 0, max: 0xffff });
const address = fc.array(group, { minLength: 8, maxLength: 8 });

/** An address written as people and kernels do: compressed or not, upper or lower case, a zone. */
function spell(groups: number[], how: { compress: boolean; upper: boolean; zone: boolean }): string {
  let text = groups.map((g) => g.toString(16)).join(':');
  if (how.compress) {
    // The longest run of zero groups (of at least two) becomes `::`, as RFC 5952 writes it.
    const runs = [...text.matchAll(/(?:^|:)(?:0(?::|$)){2,}/g)].sort((a, b) => b[0].length - a[0].length);
    const run = runs[0];
    if (run) text = `${text.slice(0, run.index)}::${text.slice(run.index + run[0].length)}`;
  }
  if (how.upper) text = text.toUpperCase();
  return how.zone ? `${text}%eth0` : text;
}

const spelling = fc.record({ compress: fc.boolean(), upper: fc.boolean(), zone: fc.boolean() });

test('two IPv6 addresses share a counter exactly when they are in one /64 (as net.BlockList sees it), however written', (t) => {
  const run = fc.check(
    fc.property(address, address, fc.boolean(), spelling, spelling, (a, b, sameHalf, howA, howB) => {
      // Half the pairs share their first 64 bits, so both outcomes are well covered.
      const other = sameHalf ? [...a.slice(0, 4), ...b.slice(4)] : b;
      const textA = spell(a, howA);
      const textB = spell(other, howB);
      const subnet = new BlockList();
      subnet.addSubnet(spell(a, { compress: false, upper: false, zone: false }), 64, 'ipv6');
      const inSubnet = subnet.check(spell(other, { compress: false, upper: false, zone: false }), 'ipv6');
      return (loginKeyOf(textA) === loginKeyOf(textB)) === inSubnet;
    }),
    { numRuns: 2000 },
  );
  t.is(run.failed, false, run.counterexample ? JSON.stringify(run.counterexample) : '');
  t.is(run.numRuns, 2000);
});

test('IPv4 counts per address, also mapped into IPv6; IPv6 per /64', (t) => {
  t.is(loginKeyOf('192.0.2.7'), '192.0.2.7');
  t.is(loginKeyOf('::ffff:192.0.2.7'), '192.0.2.7');
  t.is(loginKeyOf('::FFFF:c000:0207'), '192.0.2.7', 'mapped, written in hex');
  t.not(loginKeyOf('::ffff:192.0.2.8'), loginKeyOf('::ffff:192.0.2.7'));
  t.is(loginKeyOf('2001:db8:1:2:aaaa:bbbb:cccc:dddd'), '2001:db8:1:2::/64');
  t.is(loginKeyOf('2001:db8:1:2::1'), '2001:db8:1:2::/64');
  t.is(loginKeyOf('2001:DB8:1:2:0:0:0:99'), '2001:db8:1:2::/64');
  t.is(loginKeyOf('2001:db8::1:2:3:4'), '2001:db8:0:0::/64');
  t.is(loginKeyOf('::1'), '0:0:0:0::/64');
  t.is(loginKeyOf('fe80::1%eth0'), loginKeyOf('fe80::2'));
  // Not an address (a unix socket's peer has none): its own counter, as before.
  t.is(loginKeyOf(undefined), 'unknown');
  t.is(loginKeyOf('not an address'), 'not an address');
});

test('a guesser rotating through one /64 is blocked as one; another /64 and an IPv4 neighbour are not', async (t) => {
  const { logger, lines } = collectingLogger();
  const guard = createLoginGuard({ maxFailures: 3, windowS: 60, blockS: 60, logger });
  // Every attempt counts at admission; none of these logs in.
  const admissions: string[] = [];
  for (let i = 1; i <= 5; i++) admissions.push(await guard.admit(`2001:db8:5:6::${i.toString(16)}`));
  t.deepEqual(admissions, ['ok', 'ok', 'ok', 'blocked', 'blocked']);
  t.is(await guard.admit('2001:db8:5:6:ffff:ffff:ffff:ffff'), 'blocked', 'the whole /64');
  t.is(await guard.admit('2001:db8:5:7::1'), 'ok', 'the next /64 is someone else');
  t.is(await guard.admit('192.0.2.1'), 'ok');
  const warned = lines
    .map((l) => JSON.parse(l))
    .filter((l) => l.msg.includes('blocked after repeated failures'));
  t.is(warned.length, 1);
  t.like(warned[0], { remote: '2001:db8:5:6::4', counted_as: '2001:db8:5:6::/64' });

  // IPv4 stays per address: four neighbours each get their own attempts.
  const v4 = createLoginGuard({ maxFailures: 1, windowS: 60, blockS: 60, logger });
  t.deepEqual(
    await Promise.all(['192.0.2.1', '192.0.2.2', '::ffff:192.0.2.3', '192.0.2.4'].map((a) => v4.admit(a))),
    ['ok', 'ok', 'ok', 'ok'],
  );
  t.is(await v4.admit('192.0.2.3'), 'blocked', 'the mapped and the plain form are one address');
});
