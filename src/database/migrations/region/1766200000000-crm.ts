import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantIsolation } from './tenant-isolation';
import { setJobKinds } from './job-kinds';

/**
 * CRM integrations (issue 17): the Customer's CRM connections (credentials sealed like channel
 * credentials), per connection and entity the sync cursor and its last run, the synced records
 * in one unified shape (the keys we query by as columns, the rest as the libs/domain record), and
 * the links between CRM clients and contacts. Tenant tables in the tenant's region, RLS forced.
 */
export class Crm1766200000000 implements MigrationInterface {
  name = 'Crm1766200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table crm_connections (
        tenant_id uuid not null references tenants (tenant_id) on delete cascade,
        id uuid not null,
        kind text not null,
        name text not null,
        config jsonb not null default '{}',
        credentials text,
        webhook_secret_hash bytea not null,
        status text not null check (status in ('pending_authorization', 'active', 'paused', 'disconnected')),
        status_reason text,
        created_by uuid,
        created_at timestamptz(3) not null default now(),
        updated_at timestamptz(3) not null default now(),
        disconnected_at timestamptz(3),
        primary key (tenant_id, id)
      )`);

    await q.query(`
      create table crm_sync_state (
        tenant_id uuid not null,
        connection_id uuid not null,
        entity text not null check (entity in ('client', 'appointment', 'deal', 'service', 'staff')),
        cursor timestamptz(3),
        page_token text,
        pass_started_at timestamptz(3),
        pass_full boolean not null default false,
        pass_watermark timestamptz(3),
        last_full_pass_at timestamptz(3),
        last_run_at timestamptz(3),
        last_success_at timestamptz(3),
        last_error text,
        fetched bigint not null default 0,
        written bigint not null default 0,
        tombstoned bigint not null default 0,
        next_run_at timestamptz(3),
        primary key (tenant_id, connection_id, entity),
        foreign key (tenant_id, connection_id) references crm_connections (tenant_id, id) on delete cascade
      )`);

    await q.query(`
      create table crm_records (
        tenant_id uuid not null,
        connection_id uuid not null,
        entity text not null check (entity in ('client', 'appointment', 'deal', 'service', 'staff')),
        external_id text not null,
        data jsonb not null,
        client_external_id text,
        phone text,
        email text,
        starts_at timestamptz(3),
        remote_updated_at timestamptz(3),
        deleted boolean not null default false,
        synced_at timestamptz(3) not null default now(),
        seen_at timestamptz(3) not null default now(),
        primary key (tenant_id, connection_id, entity, external_id),
        foreign key (tenant_id, connection_id) references crm_connections (tenant_id, id) on delete cascade
      )`);
    await q.query(`create index crm_records_phone_idx on crm_records (tenant_id, phone) where entity = 'client' and phone is not null`);
    await q.query(`create index crm_records_email_idx on crm_records (tenant_id, email) where entity = 'client' and email is not null`);
    await q.query(
      `create index crm_records_client_idx on crm_records (tenant_id, connection_id, client_external_id, entity, starts_at) where client_external_id is not null`,
    );

    await q.query(`
      create table crm_links (
        tenant_id uuid not null,
        contact_id uuid not null,
        connection_id uuid not null,
        client_external_id text not null,
        matched_by text not null check (matched_by in ('phone', 'email', 'push')),
        created_at timestamptz(3) not null default now(),
        primary key (tenant_id, contact_id, connection_id, client_external_id),
        foreign key (tenant_id, contact_id) references contacts (tenant_id, id) on delete cascade,
        foreign key (tenant_id, connection_id) references crm_connections (tenant_id, id) on delete cascade
      )`);
    await q.query(`create index crm_links_client_idx on crm_links (tenant_id, connection_id, client_external_id)`);

    // Pushes to the CRM (a new client met in a chat) go through the integrations' delivery outbox.
    await q.query(`
      create table crm_deliveries (
        tenant_id uuid not null,
        id uuid not null default gen_random_uuid(),
        connection_id uuid not null,
        event_id uuid not null,
        event_type text not null,
        event_data jsonb not null,
        origin text,
        status text not null check (status in ('pending', 'delivered', 'failed', 'withheld', 'skipped')),
        attempts int not null default 0,
        response_code int,
        last_error text,
        created_at timestamptz(3) not null default now(),
        last_attempt_at timestamptz(3),
        next_attempt_at timestamptz(3),
        completed_at timestamptz(3),
        primary key (tenant_id, id),
        foreign key (tenant_id, connection_id) references crm_connections (tenant_id, id) on delete cascade
      )`);
    await q.query(`create index crm_deliveries_log_idx on crm_deliveries (tenant_id, connection_id, created_at desc, id desc)`);

    for (const table of ['crm_connections', 'crm_sync_state', 'crm_records', 'crm_links', 'crm_deliveries']) await enableTenantIsolation(q, table);

    // The work queue learns the 'crm' kind; other kinds other branches add are kept as they are.
    await setJobKinds(q, (kinds) => [...new Set([...kinds, 'crm'])]);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`delete from queue.jobs where kind = 'crm'`);
    await setJobKinds(q, (kinds) => kinds.filter((k) => k !== 'crm'));
    await q.query(`drop table crm_deliveries`);
    await q.query(`drop table crm_links`);
    await q.query(`drop table crm_records`);
    await q.query(`drop table crm_sync_state`);
    await q.query(`drop table crm_connections`);
  }
}
