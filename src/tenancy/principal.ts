import type { TenantRef } from '../../libs/domain/src';
import type { UserRole } from './tenancy.entities';

/** Who is calling: resolved from the bearer token and passed explicitly to every service call. */
export interface Principal extends TenantRef {
  userId: string;
  /** `operator`: platform staff, scoped to a tenant only through that tenant's access grant. */
  role: UserRole | 'operator';
  /** The sign-in session a user's access token belongs to (logout and password changes end it). */
  sessionId?: string;
  /** Set when an API key calls: `userId` is then the key's id, not a person's. */
  apiKeyId?: string;
}

/** Claims of our access tokens: short names keep them small. */
export interface AccessTokenClaims {
  sub: string;
  /** Absent from operators' tokens: they belong to no tenant. */
  tid?: string;
  rgn?: string;
  role: UserRole | 'operator';
  /** The session (users' tokens only). */
  sid?: string;
}
