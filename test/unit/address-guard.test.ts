import { expect } from 'chai';
import { isPrivateAddress } from '../../worker/pbx/other/address-guard.js';

describe('address guard', () => {
  const refused = (addresses: string[]) => {
    for (const address of addresses) expect(isPrivateAddress(address), address).to.equal(true);
  };

  const kept = (addresses: string[]) => {
    for (const address of addresses) expect(isPrivateAddress(address), address).to.equal(false);
  };

  it('when an IPv4 address is in a special range (benchmarking 198.18.0.0/15, documentation, reserved, loopback, private, CGNAT, broadcast …), then it is refused and public ones are kept', () => {
    refused(['198.18.0.1', '198.19.255.254', '192.0.2.10', '198.51.100.7', '203.0.113.9', '192.0.0.8', '240.0.0.1', '192.88.99.1']);
    refused(['127.0.0.1', '127.255.0.9', '10.1.2.3', '172.16.0.1', '172.31.255.254', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255']);
    kept(['8.8.8.8', '1.1.1.1', '198.20.0.1', '172.32.0.1', 'pbx.example.com']);
  });

  it('when an IPv6 address is loopback, unspecified, unique-local, link-local (with or without a zone), multicast or site-local, then it is refused', () => {
    refused(['::1', '::', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'fe80::1%lo', 'ff02::1', 'fec0::1', '[::1]']);
  });

  it('when an IPv6 address embeds an IPv4 one (IPv4-mapped, SIIT, NAT64, 6to4), then it is judged by that address', () => {
    refused(['::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:0:192.168.0.1', '64:ff9b::10.0.0.1', '64:ff9b::a9fe:a9fe', '64:ff9b::7f00:1', '2002:7f00:1::1', '2002:c0a8:101::1', '2002:a9fe:a9fe::', '64:ff9b::198.18.0.1']);
    kept(['::ffff:8.8.8.8', '64:ff9b::8.8.8.8', '2002:808:808::1', '2606:4700:4700::1111', '2a00:1450:4001::200e']);
  });

  it('when an IPv6 address is IPv4-compatible, Teredo, local-use NAT64, documentation, benchmarking or outside global unicast, then it is refused', () => {
    refused(['::127.0.0.1', '::7f00:1', '::8.8.8.8', '2001::1', '2001:0:4136:e378:8000:63bf:3fff:fdd2', '64:ff9b:1::8.8.8.8', '2001:db8::1', '2001:2::1', '100::1', '4000::1', '3fff::1']);
  });
});
