import { Injectable } from '@nestjs/common';
import type { TenantRef } from '../../../../libs/domain/src';
import { RegionDatabases } from '../../../database/region-databases';
import { firstRow, rows } from '../../../database/sql';

/**
 * `directory.integration_routes`: which tenant and region an integration id belongs to (CRM
 * webhooks name only the integration; the scheduler walks every connection from here). No
 * personal data; an entry goes with its tenant.
 */
@Injectable()
export class CrmRoutes {
  constructor(private readonly dbs: RegionDatabases) {}

  async add(integrationId: string, tenant: TenantRef): Promise<void> {
    await this.dbs
      .directory()
      .query(`insert into directory.integration_routes (integration_id, tenant_id, region) values ($1, $2, $3) on conflict do nothing`, [
        integrationId,
        tenant.tenantId,
        tenant.region,
      ]);
  }

  async remove(integrationId: string): Promise<void> {
    await this.dbs.directory().query(`delete from directory.integration_routes where integration_id = $1`, [integrationId]);
  }

  async find(integrationId: string): Promise<(TenantRef & { integrationId: string }) | null> {
    const r = await firstRow(this.dbs.directory(), `select integration_id, tenant_id, region from directory.integration_routes where integration_id = $1`, [
      integrationId,
    ]);
    return r ? { integrationId: r.integration_id, tenantId: r.tenant_id, region: r.region } : null;
  }

  /** Every integration of tenants not being terminated, oldest first. */
  async all(): Promise<Array<TenantRef & { integrationId: string }>> {
    return (
      await rows(
        this.dbs.directory(),
        `select r.integration_id, r.tenant_id, r.region from directory.integration_routes r join directory.tenants t on t.tenant_id = r.tenant_id
         where t.terminating_at is null order by r.created_at`,
      )
    ).map((r) => ({ integrationId: r.integration_id, tenantId: r.tenant_id, region: r.region }));
  }
}
