import { createHmac, randomBytes } from 'node:crypto';
import { sameBytes } from '../../../libs/crypto/src';

/**
 * Identity verification: the Customer's server computes `HMAC-SHA256(identitySecret, userId)` as
 * lowercase hex and hands it to the page with the user id. Only someone holding the channel's
 * identity secret can vouch for a user id, so a visitor can resume only their own history.
 * The key is the secret string's UTF-8 bytes, as every HMAC library takes it by default.
 */
export function identityHash(identitySecret: string, userId: string): string {
  return createHmac('sha256', identitySecret).update(userId, 'utf8').digest('hex');
}

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/** Constant-time comparison after a shape check. */
export function verifyIdentityHash(identitySecret: string, userId: string, given: string): boolean {
  if (!HEX_SHA256.test(given)) return false;
  const expected = Buffer.from(identityHash(identitySecret, userId), 'hex');
  return sameBytes(expected, Buffer.from(given, 'hex'));
}

/** The public key a Customer puts in the embed code: unguessable (192 random bits), not a secret. */
export const newChannelKey = (): string => `wc_${randomBytes(24).toString('base64url')}`;
export const CHANNEL_KEY = /^wc_[A-Za-z0-9_-]{32}$/;

/** 256 random bits, hex: easy to paste into any server's configuration. */
export const newIdentitySecret = (): string => randomBytes(32).toString('hex');
