import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Response and resolution times in business hours, kept on the conversation when they happen (as
 * first_response_at and resolved_at are) instead of computed per report: measured against the
 * schedule in force then (the channel's own business hours, else its team's); null where none
 * applied, which reports read as every hour counting. Reports over thousands of conversations
 * would otherwise walk each one's days and intervals on every request.
 */
export class BusinessTimes1767100000003 implements MigrationInterface {
  name = 'BusinessTimes1767100000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table conversations add column first_response_business_s float8, add column resolution_business_s float8`);
    await q.query(`
      create function conversation_business_seconds(tenant uuid, channel uuid, team uuid, t0 timestamptz, t1 timestamptz) returns float8
      language sql stable as $$
        select business_seconds(t0, t1, b.time_zone, b.weekly, b.holidays) from business_hours b
        where b.tenant_id = tenant and (b.channel_id = channel or b.team_id = team)
        order by (b.channel_id is not null) desc limit 1
      $$`);
    await q.query(`
      create function conversation_business_times() returns trigger language plpgsql as $$
      begin
        new.first_response_business_s := case when new.first_response_at is null then null
          else conversation_business_seconds(new.tenant_id, new.channel_id, new.team_id, new.created_at, new.first_response_at) end;
        new.resolution_business_s := case when new.resolved_at is null then null
          else conversation_business_seconds(new.tenant_id, new.channel_id, new.team_id, new.created_at, new.resolved_at) end;
        return new;
      end $$`);
    // Named to fire after conversations_resolved_at, which sets resolved_at (BEFORE triggers run in name order).
    await q.query(`create trigger conversations_stamp_business_times before update on conversations for each row
      when (new.first_response_at is distinct from old.first_response_at or new.resolved_at is distinct from old.resolved_at
            or new.created_at is distinct from old.created_at)
      execute function conversation_business_times()`);
    await q.query(`create trigger conversations_stamp_business_times_new before insert on conversations for each row
      when (new.first_response_at is not null or new.resolved_at is not null)
      execute function conversation_business_times()`);
    // Only conversations some schedule governs have anything to fill in.
    await q.query(`
      update conversations c set
        first_response_business_s = case when c.first_response_at is not null
          then conversation_business_seconds(c.tenant_id, c.channel_id, c.team_id, c.created_at, c.first_response_at) end,
        resolution_business_s = case when c.resolved_at is not null
          then conversation_business_seconds(c.tenant_id, c.channel_id, c.team_id, c.created_at, c.resolved_at) end
      where (c.first_response_at is not null or c.resolved_at is not null)
        and exists (select 1 from business_hours b where b.tenant_id = c.tenant_id and (b.channel_id = c.channel_id or b.team_id = c.team_id))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop trigger conversations_stamp_business_times_new on conversations`);
    await q.query(`drop trigger conversations_stamp_business_times on conversations`);
    await q.query(`drop function conversation_business_times()`);
    await q.query(`drop function conversation_business_seconds(uuid, uuid, uuid, timestamptz, timestamptz)`);
    await q.query(`alter table conversations drop column first_response_business_s, drop column resolution_business_s`);
  }
}
