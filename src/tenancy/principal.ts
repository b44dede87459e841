import type { TenantRef } from '../../libs/domain/src';
import type { UserRole } from './tenancy.entities';

/** Who is calling: resolved from the bearer token and passed explicitly to every service call. */
export interface Principal extends TenantRef {
  userId: string;
  role: UserRole;
}

/** Claims of our access tokens: short names keep them small. */
export interface AccessTokenClaims {
  sub: string;
  tid: string;
  rgn: string;
  role: UserRole;
}
