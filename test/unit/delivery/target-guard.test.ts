import { describe, expect, it } from 'vitest';
import { addressCheck } from '../../../src/delivery/target-guard.js';

const guarded = addressCheck({ allowPrivateTargets: false, allowedTargetCidrs: [] });

describe('target guard', () => {
  it.each([
    ['loopback', '127.0.0.1'],
    ['private', '10.1.2.3'],
    ['shared', '100.64.0.1'],
    ['link-local (cloud metadata)', '169.254.169.254'],
    ['IPv4-mapped loopback', '::ffff:127.0.0.1'],
    ['IPv4-mapped loopback, hex as URL writes it', '::ffff:7f00:1'],
    ['IPv4-mapped metadata address, hex', '::ffff:a9fe:a9fe'],
    ['IPv6 loopback', '::1'],
    ['IPv6 unspecified', '::'],
    ['IPv4-compatible', '::7f00:1'],
    ['IPv4-compatible, dotted', '::10.0.0.1'],
    ['NAT64 of a private address', '64:ff9b::a00:1'],
    ['NAT64 of the metadata address', '64:ff9b::169.254.169.254'],
    ['NAT64 of a public address (the whole prefix is refused)', '64:ff9b::5db8:d70e'],
    ['NAT64 local-use prefix', '64:ff9b:1::a00:1'],
    ['NAT64 local-use prefix, upper end', '64:ff9b:1:ffff:ffff:ffff:ffff:ffff'],
    ['6to4 of a private address', '2002:a00:1::1'],
    ['6to4 of loopback', '2002:7f00:1::'],
    ['6to4, upper end', '2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
    ['site-local', 'fec0::1'],
    ['site-local, upper end', 'feff:ffff::1'],
    ['unique local', 'fd12:3456::1'],
    ['IPv6 link-local', 'fe80::1'],
  ])('refuses %s (%s)', (_name, address) => {
    expect(guarded(address)).toBe(false);
  });

  it.each([
    ['public IPv4', '93.184.215.14'],
    ['public IPv6', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
    ['IPv4-mapped public', '::ffff:93.184.215.14'],
    ['IPv4-mapped public, hex', '::ffff:5db8:d70e'],
    ['just above 6to4', '2003::1'],
    ['just below 6to4', '2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ])('allows %s (%s)', (_name, address) => {
    expect(guarded(address)).toBe(true);
  });

  it('lets KRETRY_ALLOWED_TARGET_CIDRS open a forbidden range, and allow-all open everything', () => {
    const some = addressCheck({ allowPrivateTargets: false, allowedTargetCidrs: ['10.0.0.0/8'] });
    expect(some('10.9.9.9')).toBe(true);
    expect(some('192.168.1.1')).toBe(false);
    expect(addressCheck({ allowPrivateTargets: true, allowedTargetCidrs: [] })('127.0.0.1')).toBe(true);
  });
});
