import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantIsolation } from './tenant-isolation';

/**
 * Custom attributes: an organization defines typed fields (text, number, date, list) for its
 * contacts and conversations; the values live in a jsonb column of each row (one key per
 * definition), so a filter is one containment test on a GIN index.
 */
export class CustomAttributes1766900000000 implements MigrationInterface {
  name = 'CustomAttributes1766900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table attribute_definitions (
        tenant_id uuid not null references tenants (tenant_id) on delete cascade,
        id uuid not null default gen_random_uuid(),
        entity text not null check (entity in ('contact', 'conversation')),
        key text not null check (key ~ '^[a-z][a-z0-9_]{0,39}$'),
        label text not null,
        type text not null check (type in ('text', 'number', 'date', 'list')),
        options text[] not null default '{}',
        created_at timestamptz(3) not null default now(),
        updated_at timestamptz(3) not null default now(),
        primary key (tenant_id, id),
        unique (tenant_id, entity, key)
      )`);
    await enableTenantIsolation(q, 'attribute_definitions');
    for (const table of ['contacts', 'conversations']) {
      await q.query(`alter table ${table} add column custom_attributes jsonb not null default '{}'`);
      await q.query(`create index ${table}_custom_attributes_idx on ${table} using gin (custom_attributes jsonb_path_ops)`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['contacts', 'conversations']) await q.query(`alter table ${table} drop column custom_attributes`);
    await q.query(`drop table attribute_definitions`);
  }
}
