import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantIsolation } from './tenant-isolation';

/**
 * Business hours and automatic replies: a schedule per channel or per team (a channel's own wins),
 * with the out-of-office reply and the greeting it sends; per conversation, when each was last
 * sent, so the out-of-office reply goes once per closed period and the greeting once.
 */
export class BusinessHours1766500000002 implements MigrationInterface {
  name = 'BusinessHours1766500000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table business_hours (
        tenant_id uuid not null references tenants (tenant_id) on delete cascade,
        id uuid not null default gen_random_uuid(),
        channel_id uuid,
        team_id uuid,
        time_zone text not null,
        weekly jsonb not null,
        holidays jsonb not null default '[]',
        out_of_office_text text,
        greeting_text text,
        created_at timestamptz(3) not null default now(),
        updated_at timestamptz(3) not null default now(),
        primary key (tenant_id, id),
        check ((channel_id is null) <> (team_id is null)),
        foreign key (tenant_id, channel_id) references channels (tenant_id, id) on delete cascade,
        foreign key (tenant_id, team_id) references teams (tenant_id, id) on delete cascade
      )`);
    await q.query(`create unique index business_hours_channel_uq on business_hours (tenant_id, channel_id) where channel_id is not null`);
    await q.query(`create unique index business_hours_team_uq on business_hours (tenant_id, team_id) where team_id is not null`);
    await enableTenantIsolation(q, 'business_hours');
    await q.query(`alter table conversations add column out_of_office_at timestamptz(3), add column greeted_at timestamptz(3)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`alter table conversations drop column out_of_office_at, drop column greeted_at`);
    await q.query(`drop table business_hours`);
  }
}
