import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { RetentionSettings } from '../../libs/policy/src';
import { TenantRef, invalid } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';

@Injectable()
export class RetentionSettingsService {
  constructor(private readonly dbs: RegionDatabases) {}

  get(tenant: TenantRef): Promise<RetentionSettings> {
    return this.dbs.forTenant(tenant, (tx) => this.read(tx, tenant));
  }

  async read(tx: EntityManager, tenant: TenantRef): Promise<RetentionSettings> {
    const [row] = await tx.query(`select retention_days, channel_retention_days from tenant_settings where tenant_id = $1`, [tenant.tenantId]);
    return { defaultDays: row?.retention_days ?? null, channels: row?.channel_retention_days ?? {} };
  }

  /** Channel overrides must name this tenant's channels: a foreign or unknown id is refused. */
  put(tenant: TenantRef, settings: RetentionSettings): Promise<RetentionSettings> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const ids = Object.keys(settings.channels);
      if (ids.length) {
        const known: Array<{ id: string }> = await tx.query(`select id from channels where tenant_id = $1 and id = any($2::uuid[])`, [tenant.tenantId, ids]);
        const unknown = ids.filter((id) => !known.some((k) => k.id === id));
        if (unknown.length) throw invalid('CHANNEL_NOT_FOUND', `Unknown channel(s): ${unknown.join(', ')}`);
      }
      await tx.query(
        `insert into tenant_settings (tenant_id, retention_days, channel_retention_days) values ($1, $2, $3)
         on conflict (tenant_id) do update set retention_days = excluded.retention_days,
           channel_retention_days = excluded.channel_retention_days, updated_at = now()`,
        [tenant.tenantId, settings.defaultDays, JSON.stringify(settings.channels)],
      );
      return this.read(tx, tenant);
    });
  }
}
