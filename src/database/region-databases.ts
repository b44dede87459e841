import { Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { TenantRef } from '../../libs/domain/src';
import { notFound } from '../../libs/domain/src';
import { AppConfig } from '../config/app-config';
import { CONVERSATION_ENTITIES } from '../conversations/persistence/conversation.entities';
import { TENANCY_ENTITIES } from '../tenancy/tenancy.entities';
import { appRoleUrl, migrateRegionDatabase } from './migrate';

const ENTITIES = [...TENANCY_ENTITIES, ...CONVERSATION_ENTITIES];

/**
 * One connection pool per region, logged in as the app role. Every piece of tenant data is read
 * and written through `forTenant`, so residency follows from the tenant's region alone.
 */
export class RegionDatabases {
  private readonly log = new Logger(RegionDatabases.name);
  private readonly pools = new Map<string, DataSource>();

  constructor(private readonly config: AppConfig) {}

  /** Migrates every region (owner role), then opens the app-role pools. */
  async open(): Promise<void> {
    const appRole = { name: this.config.appDatabaseRole, password: this.config.appDatabasePassword };
    for (const [region, ownerUrl] of Object.entries(this.config.regionDatabaseUrls)) {
      await migrateRegionDatabase(ownerUrl, { hostsDirectory: region === this.config.defaultRegion, appRole });
      const ds = new DataSource({
        type: 'postgres',
        url: appRoleUrl(ownerUrl, appRole),
        entities: ENTITIES,
        uuidExtension: 'pgcrypto',
        installExtensions: false,
        synchronize: false,
        migrationsRun: false,
        poolSize: 10,
        applicationName: `monkeymachine:${region}`,
        logging: false,
      });
      await ds.initialize();
      this.pools.set(region, ds);
      this.log.log(`region ${region}: schema up to date, connected as ${appRole.name}`);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((ds) => ds.destroy()));
    this.pools.clear();
  }

  regions(): string[] {
    return [...this.pools.keys()];
  }

  hasRegion(region: string): boolean {
    return this.pools.has(region);
  }

  region(region: string): DataSource {
    const ds = this.pools.get(region);
    if (!ds) throw notFound('UNKNOWN_REGION', `Region ${region} is not configured`);
    return ds;
  }

  /** The default region's database, which also hosts the directory. */
  directory(): DataSource {
    return this.region(this.config.defaultRegion);
  }

  /**
   * Runs `work` in one transaction on the tenant's regional database with `app.tenant_id` set
   * for row-level security; the setting ends with the transaction, so pooled connections never
   * carry one tenant's context into another's work.
   */
  forTenant<T>(tenant: TenantRef, work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.region(tenant.region).transaction(async (tx) => {
      await tx.query(`select set_config('app.tenant_id', $1, true)`, [tenant.tenantId]);
      return work(tx);
    });
  }
}
