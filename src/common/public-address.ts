import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Which addresses our server may connect to when a Customer names the host (webhook URLs, SMTP
 * servers, CRM base URLs): it must not become a way into our own network (SSRF). Every address a
 * host resolves to must be public, checked on the address the socket actually connects to, so a
 * DNS answer that changes between checks (rebinding) gains nothing. `allowLocal`
 * (WEBHOOKS_ALLOW_LOCAL_TARGETS, development and tests) also admits private addresses.
 */

const NON_PUBLIC = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata services
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  NON_PUBLIC.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible form (::127.0.0.1)
  ['::ffff:0:0:0', 96], // IPv4-translated (::ffff:0:127.0.0.1)
  ['64:ff9b::', 96], // NAT64 of any IPv4, private ones included
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64],
  ['2001:db8::', 32],
  ['2002::', 16], // 6to4: wraps any IPv4, private ones included
  ['fc00::', 7], // unique local
  ['fec0::', 10], // site-local (deprecated, still routed inside some networks)
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  NON_PUBLIC.addSubnet(net, bits, 'ipv6');
}

/** A routable, public unicast address. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return isPublicAddress(mapped[1]);
    if (/^::ffff:/i.test(address)) return false; // hex-written IPv4-mapped forms
    return !NON_PUBLIC.check(address, 'ipv6');
  }
  return !NON_PUBLIC.check(address, 'ipv4');
}

export class NonPublicAddressError extends Error {
  readonly code = 'NON_PUBLIC_ADDRESS';
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http(s).request that refuses non-public answers (unless local targets are
 * allowed): the check runs on exactly the addresses the socket will use.
 */
export function guardedLookup(allowLocal: boolean) {
  return (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      if (!allowLocal) {
        const refused = list.find((a) => !isPublicAddress(a.address));
        if (refused || list.length === 0) {
          return callback(
            Object.assign(
              new NonPublicAddressError(`${hostname} resolves to a non-public address (allowed only with WEBHOOKS_ALLOW_LOCAL_TARGETS=on, for development)`),
              { errno: 0 },
            ) as NodeJS.ErrnoException,
            [],
          );
        }
      }
      if (options.all) return callback(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}

/** For IP-literal hosts, which the socket connects to without any lookup. */
export function literalAddressAllowed(url: URL, allowLocal: boolean): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return allowLocal || !isIP(host) || isPublicAddress(host);
}
