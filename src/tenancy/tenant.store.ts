import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { TenantRef } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { firstRow, rows } from '../database/sql';
import { TenantEntity } from './tenancy.entities';

export interface Tenant {
  tenantId: string;
  name: string;
  region: string;
  createdAt: Date;
  terminatingAt: Date | null;
}

const toTenant = (t: TenantEntity): Tenant => ({
  tenantId: t.tenantId,
  name: t.name,
  region: t.region,
  createdAt: t.createdAt,
  terminatingAt: t.terminatingAt,
});

/** The `tenants` table of a region: the organization's own row, which every other tenant row hangs on. */
@Injectable()
export class TenantStore {
  constructor(private readonly dbs: RegionDatabases) {}

  async insert(tx: EntityManager, tenant: { tenantId: string; name: string; region: string }): Promise<void> {
    await tx.insert(TenantEntity, tenant);
  }

  async find(tenant: TenantRef, tx?: EntityManager): Promise<Tenant | null> {
    const read = (t: EntityManager) => t.findOne(TenantEntity, { where: { tenantId: tenant.tenantId } });
    const row = tx ? await read(tx) : await this.dbs.forTenant(tenant, read);
    return row ? toTenant(row) : null;
  }

  /**
   * Locks the organization's row for the rest of the transaction: work that must happen one at a
   * time per organization (a limit counted across rows, the start of its termination) takes it first.
   */
  async lock(tx: EntityManager, tenantId: string): Promise<{ name: string; terminatingAt: Date | null } | null> {
    const row = await firstRow<{ name: string; terminating_at: Date | null }>(tx, `select name, terminating_at from tenants where tenant_id = $1 for update`, [
      tenantId,
    ]);
    return row ? { name: row.name, terminatingAt: row.terminating_at } : null;
  }

  async markTerminating(tx: EntityManager, tenantId: string): Promise<void> {
    await tx.query(`update tenants set terminating_at = now() where tenant_id = $1`, [tenantId]);
  }

  /** Deletes the organization's row (everything still hanging on it goes by cascade); false when it was gone. */
  async delete(tx: EntityManager, tenantId: string): Promise<boolean> {
    return (await rows(tx, `delete from tenants where tenant_id = $1 returning 1`, [tenantId])).length > 0;
  }
}
