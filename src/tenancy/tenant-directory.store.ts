import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { TenantRef, conflict } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { firstRow, rows } from '../database/sql';

export interface LoginRoute {
  tenantId: string;
  userId: string;
  region: string;
}

/** The directory database, or a transaction on it (the default region's, which may also be a tenant's). */
type DirectoryDb = DataSource | EntityManager;

/** Lower-cased, trimmed: the one form under which an address is unique. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Where a tenant's data lives, and which tenant a login belongs to, without personal data: the
 * login key is a SHA-256 of the normalized address, and the address itself stays in the region.
 * The only reader and writer of `directory.tenants` and `directory.logins`.
 */
@Injectable()
export class TenantDirectory {
  constructor(private readonly dbs: RegionDatabases) {}

  static loginHash(email: string): string {
    return createHash('sha256')
      .update(`mm-login\0${normalizeEmail(email)}`)
      .digest('base64url');
  }

  async registerTenant(tenantId: string, region: string, owner: { userId: string; email: string }): Promise<void> {
    await this.dbs.directory().transaction(async (tx) => {
      await tx.query('insert into directory.tenants (tenant_id, region) values ($1, $2)', [tenantId, region]);
      await this.insertLogin(tx, { tenantId, region, userId: owner.userId }, owner.email);
    });
  }

  async registerLogin(route: LoginRoute, email: string): Promise<void> {
    await this.dbs.directory().transaction((tx) => this.insertLogin(tx, route, email));
  }

  async unregisterLogin(email: string): Promise<void> {
    await this.dbs.directory().query('delete from directory.logins where login_hash = $1', [TenantDirectory.loginHash(email)]);
  }

  /** Removes the tenant (its logins go with it); `db` joins a transaction on the directory database. */
  async unregisterTenant(tenantId: string, db: DirectoryDb = this.dbs.directory()): Promise<void> {
    await db.query('delete from directory.tenants where tenant_id = $1', [tenantId]);
  }

  async findLogin(email: string): Promise<LoginRoute | null> {
    const row = await firstRow<{ tenant_id: string; user_id: string; region: string }>(
      this.dbs.directory(),
      'select tenant_id, user_id, region from directory.logins where login_hash = $1',
      [TenantDirectory.loginHash(email)],
    );
    return row ? { tenantId: row.tenant_id, userId: row.user_id, region: row.region } : null;
  }

  /** The tenant's region; null for an unknown tenant, or one being terminated when `active` is asked for. */
  async regionOf(tenantId: string, opts: { active?: boolean } = {}): Promise<string | null> {
    const row = await firstRow<{ region: string }>(
      this.dbs.directory(),
      `select region from directory.tenants where tenant_id = $1 ${opts.active ? 'and terminating_at is null' : ''}`,
      [tenantId],
    );
    return row?.region ?? null;
  }

  /** Every tenant of a region (jobs that visit them one by one). */
  async tenantsIn(region: string): Promise<TenantRef[]> {
    const found = await rows<{ tenant_id: string }>(this.dbs.directory(), `select tenant_id from directory.tenants where region = $1`, [region]);
    return found.map((t) => ({ tenantId: t.tenant_id, region }));
  }

  /** Every tenant, by region then id. */
  async allTenants(): Promise<TenantRef[]> {
    const found = await rows<{ tenant_id: string; region: string }>(
      this.dbs.directory(),
      `select tenant_id, region from directory.tenants order by region, tenant_id`,
    );
    return found.map((t) => ({ tenantId: t.tenant_id, region: t.region }));
  }

  /**
   * Marks the tenant terminating, once: the first call stores `code` as its termination code,
   * every call answers the stored one. Null when the tenant is gone from the directory.
   */
  async markTerminating(db: DirectoryDb, tenantId: string, code: string): Promise<string | null> {
    const row = await firstRow<{ termination_code: string }>(
      db,
      `update directory.tenants set terminating_at = coalesce(terminating_at, now()), termination_code = coalesce(termination_code, $2)
       where tenant_id = $1 returning termination_code`,
      [tenantId, code],
    );
    return row?.termination_code ?? null;
  }

  private async insertLogin(tx: EntityManager, route: LoginRoute, email: string) {
    const inserted = await rows(
      tx,
      `insert into directory.logins (login_hash, tenant_id, user_id, region) values ($1, $2, $3, $4)
       on conflict (login_hash) do nothing returning login_hash`,
      [TenantDirectory.loginHash(email), route.tenantId, route.userId, route.region],
    );
    if (inserted.length === 0) throw conflict('EMAIL_TAKEN', 'An account with this e-mail address already exists');
  }
}
