import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { TenantRef } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { firstRow, rows } from '../database/sql';
import type { UserRole } from './tenancy.entities';

export interface RefreshTokenRow {
  sessionId: string;
  userId: string;
  usedAt: Date | null;
  sessionRevokedAt: Date | null;
  sessionExpiresAt: Date;
}

/**
 * `auth_sessions` and `refresh_tokens`: one session per sign-in, and the chain of refresh tokens
 * it rotated through (its family). Tokens are stored as SHA-256 only.
 */
@Injectable()
export class SessionStore {
  constructor(private readonly dbs: RegionDatabases) {}

  async create(tx: EntityManager, tenantId: string, s: { id: string; userId: string; ttlSeconds: number }): Promise<void> {
    await tx.query(`insert into auth_sessions (tenant_id, id, user_id, expires_at) values ($1, $2, $3, now() + make_interval(secs => $4))`, [
      tenantId,
      s.id,
      s.userId,
      s.ttlSeconds,
    ]);
  }

  async addToken(tx: EntityManager, tenantId: string, sessionId: string, tokenHash: Buffer): Promise<void> {
    await tx.query(`insert into refresh_tokens (tenant_id, token_hash, session_id) values ($1, $2, $3)`, [tenantId, tokenHash, sessionId]);
  }

  /** The token and its session, locked: concurrent refreshes with one token take turns (the second is a reuse). */
  async lockToken(tx: EntityManager, tenantId: string, tokenHash: Buffer): Promise<RefreshTokenRow | null> {
    const row = await firstRow(
      tx,
      `select r.session_id, s.user_id, r.used_at, s.revoked_at, s.expires_at
       from refresh_tokens r join auth_sessions s on s.tenant_id = r.tenant_id and s.id = r.session_id
       where r.tenant_id = $1 and r.token_hash = $2 for update of r, s`,
      [tenantId, tokenHash],
    );
    return row
      ? { sessionId: row.session_id, userId: row.user_id, usedAt: row.used_at, sessionRevokedAt: row.revoked_at, sessionExpiresAt: row.expires_at }
      : null;
  }

  async markUsed(tx: EntityManager, tenantId: string, tokenHash: Buffer, sessionId: string): Promise<void> {
    await tx.query(`update refresh_tokens set used_at = now() where tenant_id = $1 and token_hash = $2`, [tenantId, tokenHash]);
    await tx.query(`update auth_sessions set refreshed_at = now() where tenant_id = $1 and id = $2`, [tenantId, sessionId]);
  }

  /** Revokes one session (its whole token family); false when it was already revoked. */
  async revoke(tx: EntityManager, tenantId: string, sessionId: string, reason: string): Promise<boolean> {
    const done = await rows(
      tx,
      `update auth_sessions set revoked_at = now(), revoked_reason = $3 where tenant_id = $1 and id = $2 and revoked_at is null returning id`,
      [tenantId, sessionId, reason],
    );
    return done.length > 0;
  }

  /** Revokes every live session of a user but `keep` (the caller's own, when it stays); answers how many. */
  async revokeAllOf(tx: EntityManager, tenantId: string, userId: string, reason: string, keep?: string): Promise<number> {
    const done = await rows(
      tx,
      `update auth_sessions set revoked_at = now(), revoked_reason = $3
       where tenant_id = $1 and user_id = $2 and revoked_at is null and ($4::uuid is null or id <> $4::uuid) returning id`,
      [tenantId, userId, reason, keep ?? null],
    );
    return done.length;
  }

  /**
   * Whether a user's token may act: user active (not removed), organization not terminating,
   * session live. One round trip (session_check), outside any transaction; null: no such user.
   */
  async check(
    tenant: TenantRef,
    userId: string,
    sessionId: string,
  ): Promise<{ userActive: boolean; tenantTerminating: boolean; sessionLive: boolean; role: UserRole } | null> {
    const row = await firstRow(this.dbs.region(tenant.region), `select * from session_check($1, $2, $3)`, [tenant.tenantId, userId, sessionId]);
    return row ? { userActive: row.user_active, tenantTerminating: row.tenant_terminating, sessionLive: row.session_live, role: row.user_role } : null;
  }
}
