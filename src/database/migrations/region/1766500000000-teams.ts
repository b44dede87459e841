import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantIsolation } from './tenant-isolation';

/**
 * Teams: named groups of users; a channel may route its new conversations to a team, and a
 * conversation belongs to at most one team. With restricted visibility on (per organization), an
 * agent sees only their teams' conversations and those assigned to them; the predicate lives in
 * the database so every query that lists or finds conversations applies the same rule.
 */
export class Teams1766500000000 implements MigrationInterface {
  name = 'Teams1766500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table tenants add column restricted_visibility boolean not null default false`);
    await q.query(`
      create table teams (
        tenant_id uuid not null references tenants (tenant_id) on delete cascade,
        id uuid not null default gen_random_uuid(),
        name text not null,
        created_at timestamptz(3) not null default now(),
        updated_at timestamptz(3) not null default now(),
        primary key (tenant_id, id)
      )`);
    await q.query(`create unique index teams_name_uq on teams (tenant_id, lower(name))`);
    await enableTenantIsolation(q, 'teams');
    await q.query(`
      create table team_members (
        tenant_id uuid not null,
        team_id uuid not null,
        user_id uuid not null,
        created_at timestamptz(3) not null default now(),
        primary key (tenant_id, team_id, user_id),
        foreign key (tenant_id, team_id) references teams (tenant_id, id) on delete cascade,
        foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade
      )`);
    await q.query(`create index team_members_user_idx on team_members (tenant_id, user_id)`);
    await enableTenantIsolation(q, 'team_members');

    // Deleting a team leaves its channels and conversations without one (tenant_id stays).
    await q.query(`alter table channels add column team_id uuid,
      add constraint channels_team_fk foreign key (tenant_id, team_id) references teams (tenant_id, id) on delete set null (team_id)`);
    await q.query(`alter table conversations add column team_id uuid,
      add constraint conversations_team_fk foreign key (tenant_id, team_id) references teams (tenant_id, id) on delete set null (team_id)`);
    await q.query(`create index conversations_team_idx on conversations (tenant_id, team_id) where team_id is not null`);

    // Every way a conversation is created (inbound, batches, an agent writing first) takes its
    // channel's team unless it names one.
    await q.query(`
      create function conversation_default_team() returns trigger language plpgsql as $$
      begin
        if new.team_id is null then
          select c.team_id into new.team_id from channels c where c.tenant_id = new.tenant_id and c.id = new.channel_id;
        end if;
        return new;
      end $$`);
    await q.query(`create trigger conversations_default_team before insert on conversations for each row execute function conversation_default_team()`);

    // viewer null: no restriction (owners, admins, jobs). Otherwise the organization's setting decides.
    await q.query(`
      create function conversation_visible(tenant uuid, viewer uuid, team uuid, assignee uuid) returns boolean
      language sql stable as $$
        select viewer is null
          or assignee = viewer
          or not coalesce((select t.restricted_visibility from tenants t where t.tenant_id = tenant), false)
          or (team is not null and exists (select 1 from team_members m where m.tenant_id = tenant and m.team_id = team and m.user_id = viewer))
      $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop function conversation_visible(uuid, uuid, uuid, uuid)`);
    await q.query(`drop trigger conversations_default_team on conversations`);
    await q.query(`drop function conversation_default_team()`);
    await q.query(`alter table conversations drop column team_id`);
    await q.query(`alter table channels drop column team_id`);
    await q.query(`drop table team_members`);
    await q.query(`drop table teams`);
    await q.query(`alter table tenants drop column restricted_visibility`);
  }
}
