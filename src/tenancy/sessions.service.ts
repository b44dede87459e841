import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { unauthenticated } from '../../libs/domain/src';
import { AuditLog } from '../audit/audit-log.store';
import { AppConfig } from '../config/app-config';
import { RegionDatabases } from '../database/region-databases';
import { hashToken, mintToken, tenantOfToken } from './opaque-token';
import type { AccessTokenClaims, Principal } from './principal';
import { SessionStore } from './session.store';
import { SessionValidity } from './session-validity.service';
import { TenantDirectory } from './tenant-directory.store';
import { UserStore } from './user.store';

export interface TokenPair {
  accessToken: string;
  /** Single use: POST /api/auth/refresh trades it for the next pair. */
  refreshToken: string;
  /** Seconds the access token lives. */
  expiresIn: number;
}

const invalidRefresh = () => unauthenticated('INVALID_REFRESH_TOKEN', 'The refresh token is not valid (expired, revoked or unknown); sign in again');

/**
 * Sign-in sessions: a short-lived access token (JWT naming its session) and a rotating refresh
 * token. Each refresh uses up the token it was given and hands out the next one of the same
 * family (the session); a token presented a second time means it was copied, so the whole
 * family is revoked (both holders must sign in again) and the event is audited.
 */
@Injectable()
export class Sessions {
  constructor(
    private readonly dbs: RegionDatabases,
    private readonly directory: TenantDirectory,
    private readonly store: SessionStore,
    private readonly users: UserStore,
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
    private readonly validity: SessionValidity,
    private readonly audit: AuditLog,
  ) {}

  /** Opens a session for a signed-in user, in the caller's transaction on the tenant's region. */
  async open(tx: EntityManager, p: Principal): Promise<TokenPair> {
    const sessionId = randomUUID();
    await this.store.create(tx, p.tenantId, { id: sessionId, userId: p.userId, ttlSeconds: this.config.sessionTtlSeconds });
    const refreshToken = mintToken('mmr_', p.tenantId);
    await this.store.addToken(tx, p.tenantId, sessionId, hashToken(refreshToken));
    return { accessToken: await this.accessToken({ ...p, sessionId }), refreshToken, expiresIn: this.config.jwtTtlSeconds };
  }

  /** Opens a session in a transaction of its own. */
  openAlone(p: Principal): Promise<TokenPair> {
    return this.dbs.forTenant(p, (tx) => this.open(tx, p));
  }

  async refresh(token: unknown): Promise<TokenPair> {
    const tenant = await this.route(token);
    if (!tenant) throw invalidRefresh();
    const hash = hashToken(token as string);
    const outcome = await this.dbs.forTenant(tenant, async (tx) => {
      const row = await this.store.lockToken(tx, tenant.tenantId, hash);
      if (!row || row.sessionRevokedAt || row.sessionExpiresAt.getTime() <= Date.now()) return { kind: 'invalid' as const };
      if (row.usedAt) {
        await this.store.revoke(tx, tenant.tenantId, row.sessionId, 'refresh_token_reused');
        await this.audit.record(tx, tenant.tenantId, {
          actor: `user:${row.userId}`,
          action: 'session.refresh',
          subject: `session:${row.sessionId}`,
          decision: 'deny',
          reason: 'refresh token reused: the session was revoked',
        });
        return { kind: 'reused' as const, userId: row.userId };
      }
      const user = await this.users.find(tx, tenant.tenantId, row.userId);
      if (!user || !user.active || user.removedAt) return { kind: 'invalid' as const };
      await this.store.markUsed(tx, tenant.tenantId, hash, row.sessionId);
      const next = mintToken('mmr_', tenant.tenantId);
      await this.store.addToken(tx, tenant.tenantId, row.sessionId, hashToken(next));
      const accessToken = await this.accessToken({ ...tenant, userId: user.id, role: user.role, sessionId: row.sessionId });
      return { kind: 'ok' as const, pair: { accessToken, refreshToken: next, expiresIn: this.config.jwtTtlSeconds } };
    });
    if (outcome.kind === 'ok') return outcome.pair;
    if (outcome.kind === 'reused') {
      this.validity.forgetUser(tenant.tenantId, outcome.userId);
      throw unauthenticated('REFRESH_TOKEN_REUSED', 'This refresh token was already used: the session has been ended; sign in again');
    }
    throw invalidRefresh();
  }

  /** Ends the session a refresh token belongs to (whatever the token: nothing is said about it). */
  async logout(token: unknown): Promise<void> {
    const tenant = await this.route(token);
    if (!tenant) return;
    const userId = await this.dbs.forTenant(tenant, async (tx) => {
      const row = await this.store.lockToken(tx, tenant.tenantId, hashToken(token as string));
      if (!row) return null;
      await this.store.revoke(tx, tenant.tenantId, row.sessionId, 'logout');
      return row.userId;
    });
    if (userId) this.validity.forgetUser(tenant.tenantId, userId);
  }

  /**
   * Ends every session of a user but `keep`, in the caller's transaction; call `forget` after
   * its commit so this instance refuses their access tokens at once.
   */
  revokeAll(tx: EntityManager, tenantId: string, userId: string, reason: string, keep?: string): Promise<number> {
    return this.store.revokeAllOf(tx, tenantId, userId, reason, keep);
  }

  forget(tenantId: string, userId: string): void {
    this.validity.forgetUser(tenantId, userId);
  }

  private accessToken(p: Principal): Promise<string> {
    const claims: AccessTokenClaims = { sub: p.userId, tid: p.tenantId, rgn: p.region, role: p.role, sid: p.sessionId };
    return this.jwt.signAsync(claims);
  }

  private async route(token: unknown): Promise<{ tenantId: string; region: string } | null> {
    const tenantId = tenantOfToken('mmr_', token);
    if (!tenantId) return null;
    const region = await this.directory.regionOf(tenantId, { active: true });
    return region && this.dbs.hasRegion(region) ? { tenantId, region } : null;
  }
}
