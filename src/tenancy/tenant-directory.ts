import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { conflict } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';

export interface LoginRoute {
  tenantId: string;
  userId: string;
  region: string;
}

/** Lower-cased, trimmed: the one form under which an address is unique. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Where a tenant's data lives, and which tenant a login belongs to, without personal data: the
 * login key is a SHA-256 of the normalized address, and the address itself stays in the region.
 */
@Injectable()
export class TenantDirectory {
  constructor(private readonly dbs: RegionDatabases) {}

  static loginHash(email: string): string {
    return createHash('sha256').update(`mm-login\0${normalizeEmail(email)}`).digest('base64url');
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

  async unregisterTenant(tenantId: string): Promise<void> {
    await this.dbs.directory().query('delete from directory.tenants where tenant_id = $1', [tenantId]);
  }

  async findLogin(email: string): Promise<LoginRoute | null> {
    const rows: Array<{ tenant_id: string; user_id: string; region: string }> = await this.dbs
      .directory()
      .query('select tenant_id, user_id, region from directory.logins where login_hash = $1', [TenantDirectory.loginHash(email)]);
    return rows[0] ? { tenantId: rows[0].tenant_id, userId: rows[0].user_id, region: rows[0].region } : null;
  }

  private async insertLogin(tx: { query: (sql: string, params: unknown[]) => Promise<unknown> }, route: LoginRoute, email: string) {
    const inserted = (await tx.query(
      `insert into directory.logins (login_hash, tenant_id, user_id, region) values ($1, $2, $3, $4)
       on conflict (login_hash) do nothing returning login_hash`,
      [TenantDirectory.loginHash(email), route.tenantId, route.userId, route.region],
    )) as unknown[];
    if (inserted.length === 0) throw conflict('EMAIL_TAKEN', 'An account with this e-mail address already exists');
  }
}
