// Which failure counter a login attempt counts against (src/mqtt/login-guard.ts). One IPv4 address
// is what one client has; one IPv6 address is not: a host is given a whole /64 (SLAAC, privacy
// addresses, a provider's delegated prefix), so a guesser rotating through it would get a fresh
// counter per address. So IPv6 counts per /64, the smallest block one site or host is handed
// (RFC 6177, RFC 7421), and IPv4 per address, also when it comes mapped into IPv6
// (`::ffff:10.0.0.5`, how a dual-stack listener sees IPv4 peers). The trade-off: everyone on one
// IPv6 LAN segment shares a counter, as everyone behind one NAT does for IPv4.
import { isIPv4, isIPv6 } from 'node:net';

/** The counter's key: `10.0.0.5`, or `2001:db8:0:1::/64` for every address of that /64. */
export function loginKeyOf(remote: string | undefined): string {
  if (remote === undefined) return 'unknown';
  if (isIPv4(remote)) return remote;
  const groups = ipv6Groups(remote);
  if (groups === null) return remote; // not an address (a unix socket has none): as it is
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (mapped) {
    const [hi, lo] = [groups[6]!, groups[7]!];
    return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address in any of its spellings, or null when it is none. */
function ipv6Groups(address: string): number[] | null {
  // A zone (`fe80::1%eth0`) names the interface, not a part of the address.
  let text = address.split('%')[0]!.toLowerCase();
  if (!isIPv6(text)) return null;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    // An IPv4 tail (`::ffff:1.2.3.4`) is the last two groups.
    const [a, b, c, d] = tail.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const left = parse(head);
  if (rest === undefined) return left;
  const right = parse(rest);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
