import { Injectable } from '@nestjs/common';
import { isUuid } from '../../libs/domain/src';
import { RefreshingCache } from '../common/refreshing-cache';
import { RegionDatabases } from '../database/region-databases';
import { OperatorStore } from './operator.store';
import type { Principal } from './principal';
import { UserStore } from './user.store';

/**
 * How long an answer is believed. A deactivation or termination made on this instance applies at
 * once (the answer is forgotten); made on another instance, within this long plus one lookup.
 */
export const SESSION_CHECK_TTL_MS = 3_000;

/**
 * Whether a signed, unexpired token still speaks for someone: its user exists and is active and
 * its organization exists and is not being terminated (an operator: still exists). Asked on every
 * authenticated request, so answers are cached per (tenant, user) for a few seconds; a miss costs
 * one indexed lookup in one round trip (session_status).
 */
@Injectable()
export class SessionValidity {
  private readonly cache = new RefreshingCache<{ valid: boolean }, Principal>({
    max: 100_000,
    ttlMs: SESSION_CHECK_TTL_MS,
    serveStale: false,
    load: async (_key, p) => ({ valid: await this.lookup(p) }),
  });

  constructor(
    private readonly dbs: RegionDatabases,
    private readonly users: UserStore,
    private readonly operators: OperatorStore,
  ) {}

  async isValid(p: Principal): Promise<boolean> {
    return (await this.cache.get(keyOf(p), p)).valid;
  }

  /** Call after the user's state changed (this instance then answers anew at once). */
  forgetUser(tenantId: string, userId: string): void {
    this.cache.forget(`${tenantId}:${userId}`);
  }

  forgetTenant(tenantId: string): void {
    this.cache.forgetPrefix(`${tenantId}:`);
  }

  private async lookup(p: Principal): Promise<boolean> {
    if (!isUuid(p.userId)) return false;
    if (p.role === 'operator') return this.operators.exists(p.userId);
    if (!isUuid(p.tenantId) || !this.dbs.hasRegion(p.region)) return false;
    const status = await this.users.sessionStatus(p, p.userId);
    return status !== null && status.userActive && !status.tenantTerminating;
  }
}

const keyOf = (p: Principal) => (p.role === 'operator' ? `operator:${p.userId}` : `${p.tenantId}:${p.userId}`);
