import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { cidrList } from './cidr.js';

/** Error code set on a connection refused because of where it would go. */
export const TARGET_FORBIDDEN = 'KRETRY_TARGET_FORBIDDEN';

export interface TargetPolicy {
  readonly allowPrivateTargets: boolean;
  readonly allowedTargetCidrs: readonly string[];
}

/**
 * Loopback, private, shared, link-local, multicast and unspecified ranges, IPv4 and IPv6, and the
 * IPv6 ranges that embed an IPv4 address (IPv4-compatible, NAT64, 6to4).
 */
function forbiddenRanges(): BlockList {
  const list = new BlockList();
  for (const [net, prefix] of [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.168.0.0', 16],
    ['224.0.0.0', 4],
    ['240.0.0.0', 4],
  ] as const) {
    list.addSubnet(net, prefix, 'ipv4');
  }
  for (const [net, prefix] of [
    // IPv4-compatible (::a.b.c.d, deprecated), which also covers :: and ::1: some stacks still
    // route them to the embedded IPv4 address.
    ['::', 96],
    // NAT64 (64:ff9b::a.b.c.d, RFC 6052), its local-use prefix (RFC 8215) and 6to4
    // (2002:aabb:ccdd::, RFC 3056): translated or tunnelled to an IPv4 address the gateway
    // reaches, private ones included.
    ['64:ff9b::', 96],
    ['64:ff9b:1::', 48],
    ['2002::', 16],
    ['fc00::', 7],
    ['fe80::', 10],
    // Site-local, deprecated but still routed by some networks.
    ['fec0::', 10],
    ['ff00::', 8],
  ] as const) {
    list.addSubnet(net, prefix, 'ipv6');
  }
  return list;
}

export type AddressCheck = (address: string) => boolean;

/** True when kretry may connect to the address under the policy. */
export function addressCheck(policy: TargetPolicy): AddressCheck {
  if (policy.allowPrivateTargets) return () => true;
  const forbidden = forbiddenRanges();
  const allowed = cidrList(policy.allowedTargetCidrs);
  return (address) => {
    // IPv4-mapped addresses (::ffff:a.b.c.d) are checked as the IPv4 address they carry. Node's
    // BlockList also matches the hex form (::ffff:7f00:1, which is how WHATWG URL writes
    // http://[::ffff:127.0.0.1]/) against IPv4 rules; the unit tests hold both forms to that.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    const ip = mapped ?? address;
    const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    return allowed.check(ip, family) || !forbidden.check(ip, family);
  };
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for net/tls connect options: resolves as usual, then drops forbidden addresses, so
 * the check applies to the address each connection really uses (DNS rebinding cannot slip past).
 */
export function guardedLookup(allowedAddress: AddressCheck) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error !== null) {
        callback(error, []);
        return;
      }
      const usable = addresses.filter((entry) => allowedAddress(entry.address));
      const first = usable[0];
      if (first === undefined) {
        const refused: NodeJS.ErrnoException = new Error(`${hostname} resolves only to forbidden addresses`);
        refused.code = TARGET_FORBIDDEN;
        callback(refused, []);
        return;
      }
      if (options.all === true) callback(null, usable);
      else callback(null, first.address, first.family);
    });
  };
}
