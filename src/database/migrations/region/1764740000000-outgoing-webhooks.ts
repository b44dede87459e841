import { MigrationInterface, QueryRunner } from 'typeorm';

// A snapshot of libs/policy PROCESSING_PURPOSES when this migration was written: a migration must
// not change meaning when the code moves on (a new purpose needs a new migration).
const PURPOSES = [
  'service_delivery',
  'legal_obligation',
  'customer_export',
  'crm_sync',
  'analytics_internal',
  'advertising',
  'ad_targeting',
  'profiling',
  'eligibility_decision',
  'surveillance',
  'sale',
  'data_brokerage',
]
  .map((p) => `'${p}'`)
  .join(', ');

/**
 * Signed outgoing webhooks (subscriptions and their delivery log) and the audit log, which is
 * append-only: a trigger refuses every UPDATE, DELETE and TRUNCATE whoever runs it, and the app
 * role is not granted those privileges either (src/database/migrate.ts revokes them after its
 * schema-wide grant). The work queue learns a third kind of job, 'webhook'.
 */
export class OutgoingWebhooks1764740000000 implements MigrationInterface {
  name = 'OutgoingWebhooks1764740000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table webhook_subscriptions (
        tenant_id uuid not null references tenants (tenant_id) on delete cascade,
        id uuid not null default gen_random_uuid(),
        url text not null,
        events text[] not null,
        purpose text not null check (purpose in (${PURPOSES})),
        secret text not null,
        created_by uuid,
        created_at timestamptz(3) not null default now(),
        primary key (tenant_id, id)
      )`);

    await q.query(`
      create table webhook_deliveries (
        tenant_id uuid not null,
        id uuid not null default gen_random_uuid(),
        subscription_id uuid not null,
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
        foreign key (tenant_id, subscription_id) references webhook_subscriptions (tenant_id, id) on delete cascade
      )`);
    await q.query(`create index webhook_deliveries_log_idx on webhook_deliveries (tenant_id, subscription_id, created_at desc, id desc)`);

    await q.query(`
      create table audit_log (
        tenant_id uuid not null,
        id uuid not null default gen_random_uuid(),
        at timestamptz(3) not null default now(),
        actor text not null,
        action text not null,
        subject text not null,
        decision text not null check (decision in ('allow', 'deny')),
        reason text,
        primary key (tenant_id, id)
      )`);
    await q.query(`create index audit_log_at_idx on audit_log (tenant_id, at desc, id desc)`);
    await q.query(`
      create function audit_log_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'audit_log is append-only: % refused', tg_op using errcode = 'insufficient_privilege';
      end $$`);
    await q.query(`create trigger audit_log_no_update_delete before update or delete on audit_log for each row execute function audit_log_append_only()`);
    await q.query(`create trigger audit_log_no_truncate before truncate on audit_log for each statement execute function audit_log_append_only()`);

    for (const table of ['webhook_subscriptions', 'webhook_deliveries', 'audit_log']) {
      await q.query(`alter table ${table} enable row level security`);
      await q.query(`alter table ${table} force row level security`);
      await q.query(`create policy tenant_isolation on ${table}
        using (tenant_id = app_current_tenant()) with check (tenant_id = app_current_tenant())`);
    }

    await q.query(`alter table queue.jobs drop constraint jobs_kind_check`);
    await q.query(`alter table queue.jobs add constraint jobs_kind_check check (kind in ('inbound', 'outbound', 'webhook'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`delete from queue.jobs where kind = 'webhook'`);
    await q.query(`alter table queue.jobs drop constraint jobs_kind_check`);
    await q.query(`alter table queue.jobs add constraint jobs_kind_check check (kind in ('inbound', 'outbound'))`);
    await q.query(`drop table audit_log`);
    await q.query(`drop function audit_log_append_only()`);
    await q.query(`drop table webhook_deliveries`);
    await q.query(`drop table webhook_subscriptions`);
  }
}
