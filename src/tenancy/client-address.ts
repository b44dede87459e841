import { isIP } from 'node:net';

/**
 * The unit a per-address limit counts: an IPv4 address, or the /64 of an IPv6 address (one
 * subscriber's network: whoever holds one address holds the other 2^64 too).
 */
export function addressScope(ip: string | undefined): string {
  const address = (ip ?? '').split('%')[0].trim().toLowerCase();
  const family = isIP(address);
  if (family === 4) return address;
  if (family !== 6) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (mapped) return mapped[1];
  // An embedded dotted quad (e.g. 64:ff9b::192.0.2.1) is the last two groups.
  const hex = address.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a, b, c, d) => `${((+a << 8) | +b).toString(16)}:${((+c << 8) | +d).toString(16)}`);
  const [head, tail] = hex.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail === undefined ? [] : tail ? tail.split(':') : [];
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
