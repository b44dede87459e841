import { createHmac, timingSafeEqual } from 'node:crypto';

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
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!payload || typeof payload !== 'object' || (payload as { algorithm?: unknown }).algorithm !== 'HMAC-SHA256') return null;
  return payload as SignedRequestPayload;
}

/** Builds a signed_request the way Meta does (tests and tools). */
export function makeSignedRequest(payload: Record<string, unknown>, appSecret: string): string {
  const payloadPart = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${createHmac('sha256', appSecret).update(payloadPart).digest('base64url')}.${payloadPart}`;
}
