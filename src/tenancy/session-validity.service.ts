import { Injectable } from '@nestjs/common';
import { isUuid } from '../../libs/domain/src';
import { RefreshingCache } from '../common/refreshing-cache';
import { RegionDatabases } from '../database/region-databases';
import { OperatorStore } from './operator.store';
import type { Principal } from './principal';
import type { UserRole } from './tenancy.entities';
import { SessionStore } from './session.store';

/**
 * How long an answer is believed. A deactivation or termination made on this instance applies at
 * once (the answer is forgotten); made on another instance, within this long plus one lookup.
 */
export const SESSION_CHECK_TTL_MS = 3_000;

/**
 * Whether a signed, unexpired token still speaks for someone: its user exists and is active, its
 * session is live (not logged out, not ended by a password change) and its organization exists
 * and is not being terminated (an operator: still exists). Asked on every
 * authenticated request, so answers are cached per (tenant, user) for a few seconds; a miss costs
 * one indexed lookup in one round trip (session_status).
 */
@Injectable()
export class SessionValidity {
  private readonly cache = new RefreshingCache<{ valid: boolean; role?: UserRole }, Principal>({
    max: 100_000,
    ttlMs: SESSION_CHECK_TTL_MS,
    serveStale: false,
    load: (_key, p) => this.lookup(p),
  });

  constructor(
    private readonly dbs: RegionDatabases,
    private readonly sessions: SessionStore,
    private readonly operators: OperatorStore,
  ) {}

  async isValid(p: Principal): Promise<boolean> {
    return (await this.cache.get(keyOf(p), p)).valid;
  }

  /**
   * The principal as it stands now: null when the token no longer speaks for anyone; otherwise
   * with the user's current role (the token's claim may predate a role change).
   */
  async current(p: Principal): Promise<Principal | null> {
    const state = await this.cache.get(keyOf(p), p);
    if (!state.valid) return null;
    return state.role && state.role !== p.role ? { ...p, role: state.role } : p;
  }

  /** Call after the user's state changed (this instance then answers anew at once). */
  forgetUser(tenantId: string, userId: string): void {
    this.cache.forgetPrefix(`${tenantId}:${userId}:`);
  }

  forgetTenant(tenantId: string): void {
    this.cache.forgetPrefix(`${tenantId}:`);
  }

  private async lookup(p: Principal): Promise<{ valid: boolean; role?: UserRole }> {
    if (!isUuid(p.userId)) return { valid: false };
    if (p.role === 'operator') return { valid: await this.operators.exists(p.userId) };
    // A user's token names its session (tokens of before sessions existed are refused: sign in again).
    if (!isUuid(p.tenantId) || !this.dbs.hasRegion(p.region) || !isUuid(p.sessionId)) return { valid: false };
    const status = await this.sessions.check(p, p.userId, p.sessionId!);
    const valid = status !== null && status.userActive && !status.tenantTerminating && status.sessionLive;
    return valid ? { valid, role: status.role } : { valid: false };
  }
}

const keyOf = (p: Principal) => (p.role === 'operator' ? `operator:${p.userId}` : `${p.tenantId}:${p.userId}:${p.sessionId}`);
