import { Logger } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { Client, type Pool } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import type { TenantRef } from '../../libs/domain/src';
import { notFound } from '../../libs/domain/src';
import { AppConfig } from '../config/app-config';
import { appRoleUrl, migrateRegionDatabase } from './migrate';
import { type TenantStatementOptions, rawRowsIn, tenantStatement } from './tenant-statement';
import { joinUnitOfWork, runUnitOfWork } from './unit-of-work';

/** A TypeORM entity class: the mapping a feature module declares for a table it owns. */
export type EntityClass = new (...args: never[]) => object;

const replayableWork = new AsyncLocalStorage<boolean>();

/**
 * Runs `work` with its tenant transactions on the replayable pools (asynchronous commit). Only
 * for work whose every write can be redone from a durable source without harm: a crash may lose
 * its last fraction of a second of commits, never reorder them.
 */
export function asReplayableWork<T>(work: () => Promise<T>): Promise<T> {
  return replayableWork.run(true, work);
}

/**
 * One connection pool per region, logged in as the app role. Every piece of tenant data is read
 * and written through `forTenant`, so residency follows from the tenant's region alone.
 */
export class RegionDatabases {
  private readonly log = new Logger(RegionDatabases.name);
  private readonly pools = new Map<string, DataSource>();
  /** Pools for work that can be replayed (the inbound processor): asynchronous commit, own connections. */
  private readonly replayablePools = new Map<string, DataSource>();
  private readonly appUrls = new Map<string, string>();

  /** `entities`: the composition root collects them from the feature modules (this layer imports none). */
  constructor(
    private readonly config: AppConfig,
    private readonly entities: readonly EntityClass[] = [],
  ) {}

  /** Migrates every region (owner role), then opens the app-role pools. */
  async open(): Promise<void> {
    const appRole = { name: this.config.appDatabaseRole, password: this.config.appDatabasePassword };
    // The default region first: its directory holds the deployment id the other regions label the app role with.
    const regions = Object.entries(this.config.regionDatabaseUrls).sort(
      ([a], [b]) => Number(b === this.config.defaultRegion) - Number(a === this.config.defaultRegion),
    );
    let deploymentId: string | undefined;
    for (const [region, ownerUrl] of regions) {
      const hostsDirectory = region === this.config.defaultRegion;
      const id = await migrateRegionDatabase(ownerUrl, { hostsDirectory, appRole, deploymentId });
      if (hostsDirectory) deploymentId = id;
      const url = appRoleUrl(ownerUrl, appRole);
      this.appUrls.set(region, url);
      const ds = await this.pool(region, url, this.config.databasePoolSize, {});
      this.pools.set(region, ds);
      // Separate connections keep queue work from starving the API; asynchronous commit is safe
      // there because every step is idempotent and replays from the durably stored event.
      this.replayablePools.set(region, await this.pool(region, url, Math.max(2, Math.floor(this.config.databasePoolSize / 2)), { synchronous_commit: 'off' }));
      this.log.log(`region ${region}: schema up to date, connected as ${appRole.name}`);
    }
  }

  private async pool(region: string, url: string, size: number, settings: Record<string, string>): Promise<DataSource> {
    const ds = new DataSource({
      type: 'postgres',
      url,
      entities: [...this.entities],
      uuidExtension: 'pgcrypto',
      installExtensions: false,
      synchronize: false,
      migrationsRun: false,
      poolSize: size,
      applicationName: `monkeymachine:${region}`,
      extra: {
        // Opening a connection forks a server process: a burst after a quiet spell (webhooks come
        // in bursts) must not wait for that, so idle connections stay open for minutes, not seconds.
        idleTimeoutMillis: 5 * 60_000,
        ...(Object.keys(settings).length
          ? {
              options: Object.entries(settings)
                .map(([k, v]) => `-c ${k}=${v}`)
                .join(' '),
            }
          : {}),
      },
      logging: false,
    });
    await ds.initialize();
    return ds;
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values(), ...this.replayablePools.values()].map((ds) => ds.destroy()));
    this.pools.clear();
    this.replayablePools.clear();
  }

  regions(): string[] {
    return [...this.pools.keys()];
  }

  /** Connections of every pool (`api`: requests, `work`: replayable queue work): open, idle, and callers waiting for one. */
  poolUsage(): Array<{ region: string; pool: 'api' | 'work'; max: number; total: number; idle: number; waiting: number }> {
    const usage = (region: string, pool: 'api' | 'work', ds: DataSource) => {
      const p = (ds.driver as PostgresDriver).master as Pool;
      return { region, pool, max: p.options.max ?? 0, total: p.totalCount, idle: p.idleCount, waiting: p.waitingCount };
    };
    return [...[...this.pools].map(([region, ds]) => usage(region, 'api', ds)), ...[...this.replayablePools].map(([region, ds]) => usage(region, 'work', ds))];
  }

  hasRegion(region: string): boolean {
    return this.pools.has(region);
  }

  region(region: string): DataSource {
    const ds = this.pools.get(region);
    if (!ds) throw notFound('UNKNOWN_REGION', `Region ${region} is not configured`);
    return ds;
  }

  /**
   * A new connection to the region's database as the app role, outside every pool, for a
   * session that lives as long as the caller wants (LISTEN). The caller closes it.
   */
  async connect(region: string): Promise<Client> {
    const url = this.appUrls.get(region);
    if (!url) throw notFound('UNKNOWN_REGION', `Region ${region} is not configured`);
    const client = new Client({ connectionString: url, application_name: `monkeymachine:${region}:listen` });
    await client.connect();
    return client;
  }

  /** Resolves once the region's database answers a trivial query (health probes). */
  async ping(region: string): Promise<void> {
    await this.region(region).query('select 1');
  }

  /**
   * The pool for work outside a tenant transaction (queue claims): inside `asReplayableWork` the
   * replayable pool, whose commits do not wait for the disk, else the region's pool.
   */
  forWork(region: string): DataSource {
    return (replayableWork.getStore() === true && this.replayablePools.get(region)) || this.region(region);
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
    const joined = joinUnitOfWork(tenant);
    if (joined) return work(joined);
    return this.forWork(tenant.region).transaction(async (tx) => {
      await tx.query(`select set_config('app.tenant_id', $1, true)`, [tenant.tenantId]);
      return work(tx);
    });
  }

  /**
   * One statement for a tenant, as `forTenant` would run it, in one round trip instead of four
   * (see tenant-statement.ts): for the hot reads an agent's screen polls. Answers its rows;
   * inside a unit of work, runs on its transaction.
   */
  statementForTenant<T>(tenant: TenantRef, text: string, values: unknown[], opts: TenantStatementOptions = {}): Promise<T[]> {
    const joined = joinUnitOfWork(tenant);
    if (joined) return opts.rawRows ? rawRowsIn<T>(joined, text, values) : (joined.query(text, values) as Promise<T[]>);
    const pool = (this.forWork(tenant.region).driver as PostgresDriver).master as Pool;
    return tenantStatement<T>(pool, tenant.tenantId, text, values, opts);
  }

  /**
   * One transaction for several steps that would each commit on their own (see unit-of-work.ts):
   * fewer round trips, all or nothing, and events published only once it committed.
   */
  unitOfWork<T>(tenant: TenantRef, work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return runUnitOfWork(tenant, (inTx) => this.forTenant(tenant, inTx), work);
  }
}
