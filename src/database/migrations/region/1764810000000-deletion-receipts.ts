import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What each deletion erased in this tenant, kept as proof without personal data: the subject is
 * a hash, the rest are table names and counts.
 */
export class DeletionReceipts1764810000000 implements MigrationInterface {
  name = 'DeletionReceipts1764810000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table deletion_receipts (
        tenant_id uuid not null references tenants (tenant_id) on delete cascade,
        id uuid not null default gen_random_uuid(),
        request_code text not null,
        subject_hash text not null,
        scope text not null,
        counts jsonb not null,
        requested_at timestamptz(3) not null,
        completed_at timestamptz(3) not null default now(),
        primary key (tenant_id, id),
        unique (tenant_id, request_code)
      )`);
    await q.query(`alter table deletion_receipts enable row level security`);
    await q.query(`alter table deletion_receipts force row level security`);
    await q.query(`create policy tenant_isolation on deletion_receipts
      using (tenant_id = app_current_tenant()) with check (tenant_id = app_current_tenant())`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table deletion_receipts`);
  }
}
