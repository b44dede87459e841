import { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-tenant retention settings, and the heartbeats of scheduled jobs (ids and times only). */
export class Retention1764800000000 implements MigrationInterface {
  name = 'Retention1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table tenant_settings (
        tenant_id uuid primary key references tenants (tenant_id) on delete cascade,
        retention_days int check (retention_days between 1 and 36500),
        channel_retention_days jsonb not null default '{}',
        updated_at timestamptz(3) not null default now()
      )`);
    await q.query(`alter table tenant_settings enable row level security`);
    await q.query(`alter table tenant_settings force row level security`);
    await q.query(`create policy tenant_isolation on tenant_settings
      using (tenant_id = app_current_tenant()) with check (tenant_id = app_current_tenant())`);
    await q.query(`
      create table queue.heartbeats (
        job text primary key,
        last_started_at timestamptz(3),
        last_finished_at timestamptz(3),
        last_error text
      )`);
    await q.query(`create index messages_channel_age_idx on messages (tenant_id, channel_id, sent_at)`);
    await q.query(`create index inbound_events_done_idx on inbound_events (tenant_id, processed_at) where state = 'done'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop index inbound_events_done_idx`);
    await q.query(`drop index messages_channel_age_idx`);
    await q.query(`drop table queue.heartbeats`);
    await q.query(`drop table tenant_settings`);
  }
}
