import { createHash, randomBytes } from 'node:crypto';

/**
 * Bearer secrets that carry their organization: `<prefix><secret><tenant>`, the secret 32 random
 * bytes and the tenant's uuid, both base64url. The tenant part routes the lookup to the tenant's
 * region; the secret is only ever stored as a SHA-256 (it has 256 bits of entropy, so a slow
 * hash would add nothing). Prefixes: `mmr_` refresh tokens, `mm_` API keys, `mml_` account links.
 */
export type TokenPrefix = 'mmr_' | 'mm_' | 'mml_';

const SECRET_CHARS = 43; // 32 bytes
const TENANT_CHARS = 22; // 16 bytes
const UUID_HEX = /^[0-9a-f]{32}$/;

export function mintToken(prefix: TokenPrefix, tenantId: string): string {
  const tenant = Buffer.from(tenantId.replace(/-/g, ''), 'hex').toString('base64url');
  return `${prefix}${randomBytes(32).toString('base64url')}${tenant}`;
}

/** The tenant a well-formed token names; null for anything else (never throws on hostile input). */
export function tenantOfToken(prefix: TokenPrefix, token: unknown): string | null {
  if (typeof token !== 'string' || token.length !== prefix.length + SECRET_CHARS + TENANT_CHARS || !token.startsWith(prefix)) return null;
  if (!/^[A-Za-z0-9_-]+$/.test(token.slice(prefix.length))) return null;
  const hex = Buffer.from(token.slice(prefix.length + SECRET_CHARS), 'base64url').toString('hex');
  if (!UUID_HEX.test(hex)) return null;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const hashToken = (token: string): Buffer => createHash('sha256').update(token).digest();

/** What is shown to recognise a key: its prefix and the first characters of its secret. */
export const displayPrefix = (token: string, prefix: TokenPrefix): string => token.slice(0, prefix.length + 8);
