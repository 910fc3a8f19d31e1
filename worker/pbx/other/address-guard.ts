import ipaddr from 'ipaddr.js';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';

// The IPv6 forms that carry an IPv4 address, and where: each is as safe as the address it carries.
const EMBEDDED_IPV4: Partial<Record<string, (parts: number[]) => number[]>> = {
  ipv4Mapped: (parts) => parts.slice(6), // ::ffff:a.b.c.d
  rfc6145: (parts) => parts.slice(6), // ::ffff:0:a.b.c.d (SIIT)
  rfc6052: (parts) => parts.slice(6), // 64:ff9b::a.b.c.d (NAT64, well-known prefix)
  '6to4': (parts) => parts.slice(1, 3), // 2002:AABB:CCDD::/48
};
const NAT64_LOCAL_USE = ipaddr.IPv6.parseCIDR('64:ff9b:1::/48');
const GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR('2000::/3');

function ipv4From(words: number[]): ipaddr.IPv4 {
  return new ipaddr.IPv4(words.flatMap((word) => [word >> 8, word & 0xff]));
}

function isPublic(ip: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  if (ip.kind() === 'ipv4') return ip.range() === 'unicast';
  const v6 = ip as ipaddr.IPv6;
  const range = v6.range();
  const embedded = EMBEDDED_IPV4[range];
  // Local-use NAT64 (RFC 8215) puts the IPv4 address wherever the site chose: it cannot be judged.
  if (embedded) return !v6.match(NAT64_LOCAL_USE) && isPublic(ipv4From(embedded(v6.parts)));
  // Outside 2000::/3 lie IPv4-compatible addresses (::a.b.c.d), discard and reserved space; inside,
  // ipaddr.js names Teredo, benchmarking, documentation and the other special blocks.
  return range === 'unicast' && v6.match(GLOBAL_UNICAST);
}

/**
 * True for every address a customer's template must not point the relay at (SSRF) unless the operator
 * allows it: loopback, private, link-local, CGNAT, unspecified, multicast, broadcast, benchmarking
 * (198.18.0.0/15), documentation and reserved ranges, Teredo and IPv4-compatible IPv6, and IPv6 forms
 * that embed one of those IPv4 addresses (IPv4-mapped, NAT64, 6to4). Host names are false: the
 * lookup below judges what they resolve to.
 */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[(.*)\]$/, '$1');
  const family = isIP(bare);
  if (family === 0) return false;
  return !isPublic(ipaddr.parse(family === 6 ? dottedTailAsHex(bare) : bare));
}

/** ipaddr.js reads `::a.b.c.d` (IPv4-compatible) as `::ffff:a.b.c.d` (IPv4-mapped); hex words keep them apart. */
function dottedTailAsHex(address: string): string {
  return address.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_all, a: string, b: string, c: string, d: string) =>
    `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`,
  );
}

export class PrivateAddressError extends Error {
  constructor(readonly address: string) {
    super(`address ${address} is loopback, link-local or private`);
    this.name = 'PrivateAddressError';
  }
}

/** A DNS lookup for sockets that refuses private answers, so a hostname cannot smuggle one in. */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, '', 4);
    const list = addresses;
    const bad = list.find((entry) => isPrivateAddress(entry.address));
    if (bad) return callback(new PrivateAddressError(bad.address), '', 4);
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
    const first = list[0];
    if (!first) return callback(new Error(`no address for ${hostname}`), '', 4);
    return callback(null, first.address, first.family);
  });
};
