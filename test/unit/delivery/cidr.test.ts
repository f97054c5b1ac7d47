import { describe, expect, it } from 'vitest';
import { cidrList, parseCidr } from '../../../src/delivery/cidr.js';
import { addressCheck } from '../../../src/delivery/target-guard.js';

describe('parseCidr', () => {
  it.each([
    ['10.0.0.0/8', '10.0.0.0', 8, 'ipv4'],
    ['0.0.0.0/0', '0.0.0.0', 0, 'ipv4'],
    ['192.168.1.7/32', '192.168.1.7', 32, 'ipv4'],
    ['fd00::/8', 'fd00::', 8, 'ipv6'],
    ['::ffff:10.0.0.0/104', '::ffff:10.0.0.0', 104, 'ipv6'],
    ['2001:db8::1/128', '2001:db8::1', 128, 'ipv6'],
  ])('reads %s', (text, address, prefix, family) => {
    expect(parseCidr(text)).toEqual({ ok: true, cidr: { address, prefix, family } });
  });

  it.each([
    ['999.0.0.0/99', '"999.0.0.0/99": 999.0.0.0 is not an IPv4 or IPv6 address'],
    ['10.0.0.0/33', '"10.0.0.0/33": prefix /33 is longer than an IPv4 address (0–32)'],
    ['fd00::/129', '"fd00::/129": prefix /129 is longer than an IPv6 address (0–128)'],
    ['10.0.0/8', '"10.0.0/8": 10.0.0 is not an IPv4 or IPv6 address'],
    ['010.0.0.0/8', '"010.0.0.0/8": 010.0.0.0 is not an IPv4 or IPv6 address'],
    ['fe80::1%eth0/64', '"fe80::1%eth0/64": fe80::1%eth0 is not an IPv4 or IPv6 address'],
    ['10.0.0.0', '"10.0.0.0" is not a CIDR: write an address, "/" and a prefix length, e.g. 10.0.0.0/8'],
    ['10.0.0.0/', '"10.0.0.0/" is not a CIDR: write an address, "/" and a prefix length, e.g. 10.0.0.0/8'],
    [
      '10.0.0.0/-1',
      '"10.0.0.0/-1" is not a CIDR: write an address, "/" and a prefix length, e.g. 10.0.0.0/8',
    ],
    [
      '10.0.0.0/8/8',
      '"10.0.0.0/8/8" is not a CIDR: write an address, "/" and a prefix length, e.g. 10.0.0.0/8',
    ],
    ['nonsense', '"nonsense" is not a CIDR: write an address, "/" and a prefix length, e.g. 10.0.0.0/8'],
  ])('refuses %s, saying why', (text, problem) => {
    expect(parseCidr(text)).toEqual({ ok: false, problem });
  });
});

describe('cidrList', () => {
  it('matches what it was given, IPv4-embedded IPv6 notation included', () => {
    const list = cidrList(['10.0.0.0/8', '::ffff:192.168.0.0/112']);
    expect(list.check('10.200.0.1', 'ipv4')).toBe(true);
    expect(list.check('11.0.0.1', 'ipv4')).toBe(false);
    expect(list.check('::ffff:c0a8:101', 'ipv6')).toBe(true);
  });

  it('names the key instead of throwing node:net’s RangeError when given a bad CIDR', () => {
    expect(() => addressCheck({ allowPrivateTargets: false, allowedTargetCidrs: ['10.0.0.0/33'] })).toThrow(
      expect.objectContaining({
        code: 'KRETRY_CONFIG',
        message: expect.stringMatching(/^KRETRY_ALLOWED_TARGET_CIDRS: "10\.0\.0\.0\/33"/) as unknown,
      }),
    );
  });
});
