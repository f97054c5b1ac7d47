import { BlockList, isIP } from 'node:net';
import { KretryError } from '../errors.js';

export interface Cidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

export type CidrParse =
  { readonly ok: true; readonly cidr: Cidr } | { readonly ok: false; readonly problem: string };

/**
 * Reads `address/prefix` as the target guard uses it: config validation and the guard's allow list
 * both go through here, so a CIDR that passes config load can never make `BlockList.addSubnet`
 * throw when the engine starts (it throws ERR_OUT_OF_RANGE for a prefix longer than the family).
 */
export function parseCidr(text: string): CidrParse {
  const parts = text.split('/');
  const [address = '', prefixText = ''] = parts;
  if (parts.length !== 2 || !/^\d{1,3}$/.test(prefixText))
    return {
      ok: false,
      problem: `"${text}" is not a CIDR: write an address, "/" and a prefix length, e.g. 10.0.0.0/8`,
    };
  // isIP accepts an IPv6 zone (fe80::1%eth0); a network has none.
  const version = address.includes('%') ? 0 : isIP(address);
  if (version === 0) return { ok: false, problem: `"${text}": ${address} is not an IPv4 or IPv6 address` };
  const prefix = Number(prefixText);
  const bits = version === 4 ? 32 : 128;
  if (prefix > bits)
    return {
      ok: false,
      problem: `"${text}": prefix /${prefix} is longer than an IPv${version} address (0–${bits})`,
    };
  return { ok: true, cidr: { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' } };
}

/** A BlockList of CIDRs that `parseCidr` accepted (config load has already refused the others). */
export function cidrList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const text of cidrs) {
    const parsed = parseCidr(text);
    if (!parsed.ok) throw new KretryError('KRETRY_CONFIG', `KRETRY_ALLOWED_TARGET_CIDRS: ${parsed.problem}`);
    list.addSubnet(parsed.cidr.address, parsed.cidr.prefix, parsed.cidr.family);
  }
  return list;
}
