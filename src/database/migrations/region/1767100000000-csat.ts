import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantIsolation } from './tenant-isolation';

/**
 * Customer satisfaction (CSAT): per channel, whether a resolved conversation asks the contact for
 * a 1-5 rating and in which words; per resolution, the one survey that asked (unique on the
 * conversation and the moment it was resolved) and its rating once given. The channel, team and
 * agent are kept as they were at resolution, so reports group by what was true then.
 */
export class Csat1767100000000 implements MigrationInterface {
  name = 'Csat1767100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table csat_settings (
        tenant_id uuid not null references tenants (tenant_id) on delete cascade,
        channel_id uuid not null,
        enabled boolean not null default false,
        language text not null default 'en' check (language in ('en', 'ru')),
        question text,
        updated_at timestamptz(3) not null default now(),
        primary key (tenant_id, channel_id),
        foreign key (tenant_id, channel_id) references channels (tenant_id, id) on delete cascade
      )`);
    await enableTenantIsolation(q, 'csat_settings');
    await q.query(`
      create table csat_surveys (
        tenant_id uuid not null references tenants (tenant_id) on delete cascade,
        id uuid not null default gen_random_uuid(),
        conversation_id uuid not null,
        channel_id uuid not null,
        team_id uuid,
        agent_id uuid,
        resolved_at timestamptz(3) not null,
        asked_at timestamptz(3) not null,
        rating smallint check (rating between 1 and 5),
        answered_at timestamptz(3),
        answered_via text check (answered_via in ('reply', 'widget', 'link')),
        primary key (tenant_id, id),
        unique (tenant_id, conversation_id, resolved_at),
        check ((rating is null) = (answered_at is null)),
        foreign key (tenant_id, conversation_id) references conversations (tenant_id, id) on delete cascade
      )`);
    await q.query(`create index csat_surveys_asked_idx on csat_surveys (tenant_id, asked_at)`);
    await enableTenantIsolation(q, 'csat_surveys');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table csat_surveys`);
    await q.query(`drop table csat_settings`);
  }
}
