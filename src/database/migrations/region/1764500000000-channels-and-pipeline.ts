import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Channel credentials and lifecycle, the durable inbound inbox, outbound delivery state, and
 * notifications. The work queue lives in its own schema without row-level security: it holds
 * only ids and timings, so one worker can drain every tenant of the region, and it is where
 * FOR UPDATE SKIP LOCKED shares work between app instances.
 */
export class ChannelsAndPipeline1764500000000 implements MigrationInterface {
  name = 'ChannelsAndPipeline1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      alter table channels
        add column config jsonb not null default '{}',
        add column credentials text,
        add column routing_key text,
        add column revoked_at timestamptz(3),
        add column revoked_reason text,
        add column disconnected_at timestamptz(3),
        add column purge_after timestamptz(3),
        add column updated_at timestamptz(3) not null default now(),
        add constraint channels_status_check check (status in ('active', 'revoked', 'disconnected'))`);

    await q.query(`
      create table inbound_events (
        tenant_id uuid not null,
        id uuid not null default gen_random_uuid(),
        channel_id uuid not null,
        dedupe_key text not null,
        payload jsonb not null,
        state text not null default 'pending' check (state in ('pending', 'done', 'failed')),
        attempts int not null default 0,
        last_error text,
        received_at timestamptz(3) not null default now(),
        processed_at timestamptz(3),
        primary key (tenant_id, id),
        unique (tenant_id, channel_id, dedupe_key),
        foreign key (tenant_id, channel_id) references channels (tenant_id, id) on delete cascade
      )`);
    await q.query(`create index inbound_events_state_idx on inbound_events (tenant_id, state, received_at desc, id desc)`);

    await q.query(`
      alter table messages
        add column reply_to_external_id text,
        add column reactions jsonb not null default '[]',
        add column deleted_at timestamptz(3),
        add column template jsonb`);

    await q.query(`
      create table notifications (
        tenant_id uuid not null references tenants (tenant_id) on delete cascade,
        id uuid not null default gen_random_uuid(),
        kind text not null,
        channel_id uuid,
        message text not null,
        created_at timestamptz(3) not null default now(),
        read_at timestamptz(3),
        primary key (tenant_id, id),
        foreign key (tenant_id, channel_id) references channels (tenant_id, id) on delete cascade
      )`);
    await q.query(`create index notifications_recent_idx on notifications (tenant_id, created_at desc, id desc)`);

    await q.query(`
      create table contact_consents (
        tenant_id uuid not null,
        contact_id uuid not null,
        purpose text not null check (purpose in ('whatsapp_opt_in', 'crm_enrichment')),
        granted boolean not null,
        source text not null,
        recorded_at timestamptz(3) not null default now(),
        recorded_by uuid,
        primary key (tenant_id, contact_id, purpose),
        foreign key (tenant_id, contact_id) references contacts (tenant_id, id) on delete cascade
      )`);

    for (const table of ['inbound_events', 'notifications', 'contact_consents']) {
      await q.query(`alter table ${table} enable row level security`);
      await q.query(`alter table ${table} force row level security`);
      await q.query(`create policy tenant_isolation on ${table}
        using (tenant_id = app_current_tenant()) with check (tenant_id = app_current_tenant())`);
    }

    await q.query(`create schema queue`);
    await q.query(`
      create table queue.jobs (
        id bigint generated always as identity primary key,
        kind text not null check (kind in ('inbound', 'outbound')),
        tenant_id uuid not null,
        ref_id uuid not null,
        available_at timestamptz(3) not null default now(),
        leased_until timestamptz(3),
        attempts int not null default 0,
        unique (kind, tenant_id, ref_id)
      )`);
    await q.query(`create index jobs_due_idx on queue.jobs (kind, available_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop schema queue cascade`);
    await q.query(`drop table contact_consents`);
    await q.query(`drop table notifications`);
    await q.query(`drop table inbound_events`);
    await q.query(`alter table messages drop column reply_to_external_id, drop column reactions, drop column deleted_at, drop column template`);
    await q.query(`alter table channels drop constraint channels_status_check, drop column config, drop column credentials,
      drop column routing_key, drop column revoked_at, drop column revoked_reason, drop column disconnected_at,
      drop column purge_after, drop column updated_at`);
  }
}
