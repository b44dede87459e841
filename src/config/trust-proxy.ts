import { isIP } from 'node:net';

/** What Fastify's `trustProxy` accepts, in the forms we allow: off, a hop count, or proxy addresses. */
export type TrustProxy = false | number | string[];

/** proxy-addr's names for address ranges (Fastify resolves them). */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrRange(entry: string): boolean {
  if (RANGE_NAMES.has(entry)) return true;
  const [address, prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * `TRUST_PROXY`: which hops may tell us the client's address (X-Forwarded-For, -Proto, -Host).
 * `off` (the default): none, the socket's peer is the client. A number: that many proxies in
 * front of us. A comma list of addresses, CIDR ranges or `loopback`/`linklocal`/`uniquelocal`:
 * the proxies we trust. "Trust everyone" is refused: it lets any client pick its own address.
 */
export function parseTrustProxy(raw: string): TrustProxy {
  const value = raw.trim().toLowerCase();
  if (value === '' || value === 'off' || value === 'false' || value === '0') return false;
  if (/^(on|true|all|\*)$/.test(value)) {
    throw new Error('trusting every address lets any client choose its own address; give the number of proxies in front of the app or their addresses');
  }
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > 10) throw new Error(`expected at most 10 proxy hops, got ${hops}`);
    return hops;
  }
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const bad = entries.filter((e) => !isAddressOrRange(e));
  if (bad.length > 0 || entries.length === 0) {
    throw new Error(
      `expected off, a hop count, or a comma list of proxy addresses / CIDR ranges / loopback, linklocal, uniquelocal; not ${bad.map((b) => `"${b}"`).join(', ') || 'an empty list'}`,
    );
  }
  return entries;
}

/**
 * The form Fastify takes. Fastify 5 ignores a bare hop count (it cannot check the peer), so a
 * count becomes the function proxy-addr documents for it: trust the first `hops` hops, counted
 * from the socket's peer. Only safe when nothing reaches the app except through those proxies.
 */
export function fastifyTrustProxy(tp: TrustProxy): false | string[] | ((address: string, hop: number) => boolean) {
  if (typeof tp !== 'number') return tp;
  const hops = tp;
  return (_address, hop) => hop < hops;
}
