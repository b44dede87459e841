import { createHmac } from 'node:crypto';
import { sameBytes } from '../../../libs/crypto/src';

/** The refusal when this deployment has no Meta app secret: nothing from Meta can be verified. */
export const META_APP_SECRET_MISSING =
  "META_APP_SECRET is not set on this server, so nothing from Meta can be verified: set it to the Meta app's secret (App Dashboard > App settings > Basic)";

/**
 * Checks `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(appSecret, raw body)>`. The HMAC is over
 * the bytes as received: Meta escapes non-ASCII, so re-serialised JSON would not match.
 */
export function verifyMetaSignature(appSecret: string, rawBody: Buffer, header: string | undefined): boolean {
  if (!header || !header.startsWith('sha256=')) return false;
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  const expected = createHmac('sha256', appSecret).update(rawBody).digest();
  return sameBytes(given, expected);
}

export function signMetaBody(appSecret: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}
