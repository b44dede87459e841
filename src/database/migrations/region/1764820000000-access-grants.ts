import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantIsolation } from './tenant-isolation';

/** Time-boxed grants by which a Customer lets platform staff see its data, for a stated reason. */
export class AccessGrants1764820000000 implements MigrationInterface {
  name = 'AccessGrants1764820000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table access_grants (
        tenant_id uuid not null references tenants (tenant_id) on delete cascade,
        id uuid not null default gen_random_uuid(),
        granted_by uuid not null,
        reason text not null,
        created_at timestamptz(3) not null default now(),
        expires_at timestamptz(3) not null,
        revoked_at timestamptz(3),
        primary key (tenant_id, id),
        foreign key (tenant_id, granted_by) references users (tenant_id, id)
      )`);
    await enableTenantIsolation(q, 'access_grants');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table access_grants`);
  }
}
