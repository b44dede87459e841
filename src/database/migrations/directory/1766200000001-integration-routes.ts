import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * CRM webhooks name the integration in their URL only: the directory maps it to its tenant and
 * region (no personal data), and forgets it with the tenant.
 */
export class IntegrationRoutes1766200000001 implements MigrationInterface {
  name = 'IntegrationRoutes1766200000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table directory.integration_routes (
        integration_id uuid primary key,
        tenant_id uuid not null references directory.tenants (tenant_id) on delete cascade,
        region text not null,
        created_at timestamptz(3) not null default now()
      )`);
    await q.query(`create index integration_routes_tenant_idx on directory.integration_routes (tenant_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table directory.integration_routes`);
  }
}
