import { createHash, createHmac } from 'node:crypto';
import { sameBytes } from '../../../libs/crypto/src';

export interface SignedRequestPayload {
  algorithm: 'HMAC-SHA256';
  issued_at?: number;
  user_id?: string;
  profile_id?: string;
  [key: string]: unknown;
}

/**
 * Meta's `signed_request`: `<base64url(HMAC-SHA256(appSecret, payloadPart))>.<payloadPart>`, the
 * HMAC taken over the still-encoded payload. Returns null unless the algorithm is HMAC-SHA256
 * and the signature matches.
 */
export function parseSignedRequest(signedRequest: string | undefined, appSecret: string): SignedRequestPayload | null {
  if (typeof signedRequest !== 'string') return null;
  const parts = signedRequest.split('.');
  if (parts.length !== 2 || !/^[A-Za-z0-9_-]+$/.test(parts[0]) || !/^[A-Za-z0-9_-]+={0,2}$/.test(parts[1])) return null;
  const [signature, payloadPart] = parts;
  const given = Buffer.from(signature, 'base64url');
  const expected = createHmac('sha256', appSecret).update(payloadPart).digest();
  if (!sameBytes(given, expected)) return null;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!payload || typeof payload !== 'object' || (payload as { algorithm?: unknown }).algorithm !== 'HMAC-SHA256') return null;
  return payload as SignedRequestPayload;
}

/**
 * How old a signed_request may be when it arrives: Meta calls the deauthorize and data deletion
 * callbacks when the person acts, so an hour covers delivery delays and retries while a captured
 * request cannot be replayed later. A request dated more than five minutes ahead (clock skew) is
 * refused too.
 */
export const SIGNED_REQUEST_MAX_AGE_SECONDS = 3600;
export const SIGNED_REQUEST_MAX_SKEW_SECONDS = 300;

/** When Meta issued the request, if it says so (`issued_at`, unix seconds). */
export function issuedAt(payload: SignedRequestPayload): Date | null {
  const v = payload.issued_at as unknown;
  const seconds = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,12}$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(seconds) && seconds > 0 ? new Date(seconds * 1000) : null;
}

/** Whether a request issued at `issued` may still be acted on at `now`. */
export function isFresh(issued: Date, now: Date): boolean {
  const age = (now.getTime() - issued.getTime()) / 1000;
  return age <= SIGNED_REQUEST_MAX_AGE_SECONDS && age >= -SIGNED_REQUEST_MAX_SKEW_SECONDS;
}

/**
 * A stable name for one signed_request (the same request delivered twice has the same name): a
 * digest of its signature, which names no person without the app secret.
 */
export function signedRequestId(signedRequest: string): string {
  return createHash('sha256')
    .update(Buffer.from(signedRequest.split('.')[0], 'base64url'))
    .digest('hex');
}

/** Builds a signed_request the way Meta does (tests and tools). */
export function makeSignedRequest(payload: Record<string, unknown>, appSecret: string): string {
  const payloadPart = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${createHmac('sha256', appSecret).update(payloadPart).digest('base64url')}.${payloadPart}`;
}
