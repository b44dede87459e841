import { createHmac, randomBytes } from 'node:crypto';
import { sameBytes } from '../../../libs/crypto/src';

/**
 * How receivers know a delivery came from us, unchanged:
 *
 *   X-MonkeyMachine-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * The key is the subscription's secret as UTF-8 text (the whole `whsec_…` string). The timestamp
 * is signed with the body, so a captured delivery cannot be replayed later than the receiver's
 * tolerance (5 minutes is what we recommend). Receivers accept a delivery when any `v1=` entry
 * matches, which leaves room to sign with two secrets while one is being replaced.
 */
export const SIGNATURE_HEADER = 'X-MonkeyMachine-Signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** 32 random bytes; shown once at creation, then stored only encrypted. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

export function signatureOf(secret: string, timestamp: number, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

export function signatureHeader(secret: string, timestamp: number, rawBody: string | Buffer): string {
  return `t=${timestamp},v1=${signatureOf(secret, timestamp, rawBody)}`;
}

/** What a receiver does: parse, check freshness, compare in constant time. */
export function verifySignatureHeader(
  secret: string,
  header: string | undefined,
  rawBody: string | Buffer,
  opts: { nowSeconds?: number; toleranceSeconds?: number } = {},
): boolean {
  if (!header) return false;
  let timestamp: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) candidates.push(value);
  }
  if (timestamp === undefined || candidates.length === 0) return false;
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return false;
  const expected = Buffer.from(signatureOf(secret, timestamp, rawBody), 'hex');
  return candidates.some((c) => sameBytes(Buffer.from(c, 'hex'), expected));
}
