import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantIsolation } from './tenant-isolation';

/**
 * Saved replies: a short code an agent types, and the text it stands for (with variables such
 * as {{contact.name}}, rendered when sent). They belong to the organization and go with it.
 */
export class CannedResponses1765900200000 implements MigrationInterface {
  name = 'CannedResponses1765900200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table canned_responses (
        tenant_id uuid not null references tenants (tenant_id) on delete cascade,
        id uuid not null default gen_random_uuid(),
        short_code text not null,
        text text not null,
        created_at timestamptz(3) not null default now(),
        updated_at timestamptz(3) not null default now(),
        primary key (tenant_id, id)
      )`);
    await q.query(`create unique index canned_responses_code_uq on canned_responses (tenant_id, lower(short_code))`);
    await enableTenantIsolation(q, 'canned_responses');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table canned_responses`);
  }
}
