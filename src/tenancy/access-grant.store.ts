import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { TenantRef } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { firstRow, rows } from '../database/sql';

export interface AccessGrant {
  id: string;
  reason: string;
  grantedBy?: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt?: Date | null;
}

/** `access_grants`: the time-boxed permissions a Customer gives platform staff to read its data. */
@Injectable()
export class AccessGrantStore {
  constructor(private readonly dbs: RegionDatabases) {}

  async insert(tx: EntityManager, tenantId: string, grant: { grantedBy: string; reason: string; expiresAt: Date }): Promise<AccessGrant> {
    const [row] = await rows<AccessGrant>(
      tx,
      `insert into access_grants (tenant_id, granted_by, reason, expires_at) values ($1, $2, $3, $4) returning id, reason, created_at as "createdAt", expires_at as "expiresAt"`,
      [tenantId, grant.grantedBy, grant.reason, grant.expiresAt],
    );
    return row;
  }

  /** The newest hundred. */
  list(tenant: TenantRef): Promise<AccessGrant[]> {
    return this.dbs.forTenant(tenant, (tx) =>
      rows<AccessGrant>(
        tx,
        `select id, reason, granted_by as "grantedBy", created_at as "createdAt", expires_at as "expiresAt", revoked_at as "revokedAt" from access_grants where tenant_id = $1 order by created_at desc limit 100`,
        [tenant.tenantId],
      ),
    );
  }

  /** Revoked now (or when it was first revoked); null for a grant the tenant does not have. */
  async revoke(tx: EntityManager, tenantId: string, id: string): Promise<{ id: string; revokedAt: Date } | null> {
    const row = await firstRow<{ id: string; revokedAt: Date }>(
      tx,
      `update access_grants set revoked_at = coalesce(revoked_at, now()) where tenant_id = $1 and id = $2 returning id, revoked_at as "revokedAt"`,
      [tenantId, id],
    );
    return row ?? null;
  }

  /** The live grant that lasts longest, if any. */
  async live(tenant: TenantRef, now: Date): Promise<{ id: string } | null> {
    const row = await this.dbs.forTenant(tenant, (tx) =>
      firstRow<{ id: string }>(
        tx,
        `select id from access_grants where tenant_id = $1 and revoked_at is null and expires_at > $2 order by expires_at desc limit 1`,
        [tenant.tenantId, now],
      ),
    );
    return row ?? null;
  }
}
