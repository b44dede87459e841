import { Injectable } from '@nestjs/common';
import type { TenantRef } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { rows } from '../database/sql';
import { TenantDirectory } from '../tenancy/tenant-directory.store';

/** A person's Page-scoped id on one of a tenant's Pages, as Graph's ID matching gave it. */
export interface RecordedMatch {
  tenant: TenantRef;
  pageScopedId: string;
}

/**
 * `meta_id_matches` (region databases, one tenant's rows each under RLS): the app-scoped id ->
 * Page-scoped id pairs Graph gave for a tenant's Pages, so a later deletion request for the same
 * person finds their conversations there without Graph. ErasureService deletes the pairs of the
 * ids it erases; they go with the tenant; the export leaves them out.
 */
@Injectable()
export class MetaIdMatchesStore {
  constructor(
    private readonly dbs: RegionDatabases,
    private readonly directory: TenantDirectory,
  ) {}

  async record(tenant: TenantRef, appScopedId: string, pageId: string, pageScopedIds: readonly string[]): Promise<void> {
    if (pageScopedIds.length === 0) return;
    await this.dbs.forTenant(tenant, (tx) =>
      tx.query(
        `insert into meta_id_matches (tenant_id, app_scoped_id, page_scoped_id, page_id) select $1, $2, psid, $3 from unnest($4::text[]) as psid
         on conflict do nothing`,
        [tenant.tenantId, appScopedId, pageId, pageScopedIds],
      ),
    );
  }

  /** Every Page-scoped id recorded for the person, in every tenant of every region (RLS: read tenant by tenant). */
  async find(appScopedId: string): Promise<RecordedMatch[]> {
    const found: RecordedMatch[] = [];
    for (const region of this.dbs.regions()) {
      for (const tenant of await this.directory.tenantsIn(region)) {
        const matches = await this.dbs.statementForTenant<{ page_scoped_id: string }>(
          tenant,
          `select page_scoped_id from meta_id_matches where tenant_id = $1 and app_scoped_id = $2`,
          [tenant.tenantId, appScopedId],
        );
        found.push(...matches.map((m) => ({ tenant, pageScopedId: m.page_scoped_id })));
      }
    }
    return found;
  }
}

/** Deletes the pairs naming these Page-scoped ids, in the erasure's transaction (a statement for ErasureService). */
export async function forgetMatches(tx: Parameters<typeof rows>[0], tenantId: string, pageScopedIds: readonly string[]): Promise<number> {
  if (pageScopedIds.length === 0) return 0;
  return (
    await rows(tx, `delete from meta_id_matches where tenant_id = $1 and page_scoped_id = any($2::text[]) returning page_scoped_id`, [tenantId, pageScopedIds])
  ).length;
}
