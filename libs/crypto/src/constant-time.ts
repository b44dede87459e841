import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * Whether `given` is the secret `expected`, in constant time whatever the lengths (both sides are
 * hashed to 32 bytes first). A missing or empty expected secret, or a given value that is not a
 * non-empty string, never matches.
 */
export function sameSecret(expected: string | null | undefined, given: unknown): boolean {
  if (!expected || typeof given !== 'string' || !given) return false;
  return timingSafeEqual(digest(expected), digest(given));
}

/** Whether two byte strings (MACs, hashes) are equal, in constant time for equal lengths; different lengths never match. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
