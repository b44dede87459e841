import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantIsolation } from './tenant-isolation';

/**
 * The region's durable event log: every domain event is a row written in the transaction of the
 * change that caused it, numbered by its tenant's own sequence, so any instance can stream it
 * (LISTEN/NOTIFY says which tenant moved) and a client can resume from its last id anywhere.
 *
 * event_log_heads holds each tenant's last number and an epoch drawn when the head is created:
 * ids are `<epoch>-<seq>`, so an id from before a tenant's log was recreated asks for a reset.
 * Taking the next numbers locks the head row until commit, so a tenant's events commit in the
 * order of their numbers and a reader that saw seq n has missed nothing below it.
 *
 * Rows hold ids and types only (see DomainEvents): no message text, so trimming by retention
 * and the tenant row's cascade are all the clean-up they need.
 */
export class EventLog1767390000019 implements MigrationInterface {
  name = 'EventLog1767390000019';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table event_log_heads (
        tenant_id uuid not null references tenants (tenant_id) on delete cascade,
        epoch text not null default substr(md5(gen_random_uuid()::text), 1, 8),
        last_seq bigint not null default 0,
        primary key (tenant_id)
      )`);
    await enableTenantIsolation(q, 'event_log_heads');
    await q.query(`
      create table event_log (
        tenant_id uuid not null references tenants (tenant_id) on delete cascade,
        seq bigint not null,
        type text not null,
        data jsonb not null,
        created_at timestamptz(3) not null default now(),
        primary key (tenant_id, seq)
      )`);
    await enableTenantIsolation(q, 'event_log');
    await q.query(`create index event_log_created_at_idx on event_log (tenant_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table event_log`);
    await q.query(`drop table event_log_heads`);
  }
}
