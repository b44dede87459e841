import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantIsolation } from './tenant-isolation';

/**
 * Messages in and out per conversation and UTC hour, kept on write, so reports count messages
 * without reading them (at 1,000,000 messages the report scanned a third of them per request).
 *
 * - Per conversation, not per channel/team/agent: the report joins the conversation for its
 *   channel, team and assignee as they are now, so reassignments and team moves need no upkeep,
 *   and no row is shared by the writers of different conversations (ingest of one conversation is
 *   serialised on its conversation row already; a per-channel row would serialise a whole channel).
 * - `author_id`: the person who wrote an outbound message; the nil uuid for the rest (inbound,
 *   automatic replies), which count for the conversation's assignee. Not null, so the key is a
 *   plain primary key that equality joins use.
 * - UTC hours: a day in any whole-hour-offset zone is a set of whole buckets; the report reads the
 *   messages themselves for the few hours a half-hour zone's midnight cuts.
 * - Deletions (erasure, retention, a channel's purge) take their messages out of the counts, and
 *   a row whose counts reach zero is deleted: what is left is counts of messages still stored, and
 *   nothing outlives the conversation it counts.
 *
 * Insert and delete are counted by statement-level triggers over the transition table (one grouped
 * upsert per statement, however many rows: the ingest batch path stays set-based); the rare update
 * of a message's time, direction, author or conversation by a row trigger whose WHEN clause keeps
 * it off the hot status updates.
 */
export class MessageCounts1768200000000 implements MigrationInterface {
  name = 'MessageCounts1768200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table message_counts (
        tenant_id uuid not null references tenants (tenant_id) on delete cascade,
        hour timestamptz not null,
        conversation_id uuid not null,
        author_id uuid not null,
        inbound integer not null default 0,
        outbound integer not null default 0,
        primary key (tenant_id, hour, conversation_id, author_id)
      )`);
    await enableTenantIsolation(q, 'message_counts');
    // The bucket and the author key of a message; the same expressions in every trigger and in the backfill.
    await q.query(`
      create function message_count_hour(sent_at timestamptz) returns timestamptz language sql immutable parallel safe
      as $$ select date_bin('1 hour', sent_at, timestamptz '2000-01-01 00:00:00+00') $$`);
    await q.query(`
      create function message_count_author(direction text, author_id uuid) returns uuid language sql immutable parallel safe
      as $$ select case when direction = 'outbound' and author_id is not null then author_id else '00000000-0000-0000-0000-000000000000'::uuid end $$`);
    await q.query(`
      create function message_counts_add() returns trigger language plpgsql as $$
      begin
        -- In key order: two writers touching the same rows lock them in the same order.
        insert into message_counts as r (tenant_id, hour, conversation_id, author_id, inbound, outbound)
        select tenant_id, message_count_hour(sent_at), conversation_id, message_count_author(direction, author_id),
               count(*) filter (where direction = 'inbound'), count(*) filter (where direction = 'outbound')
        from added group by 1, 2, 3, 4 order by 1, 2, 3, 4
        on conflict (tenant_id, hour, conversation_id, author_id)
        do update set inbound = r.inbound + excluded.inbound, outbound = r.outbound + excluded.outbound;
        return null;
      end $$`);
    await q.query(`
      create function message_counts_remove() returns trigger language plpgsql as $$
      begin
        update message_counts r set inbound = r.inbound - d.inbound, outbound = r.outbound - d.outbound
        from (select tenant_id, message_count_hour(sent_at) as hour, conversation_id, message_count_author(direction, author_id) as author_id,
                     count(*) filter (where direction = 'inbound') as inbound, count(*) filter (where direction = 'outbound') as outbound
              from removed group by 1, 2, 3, 4 order by 1, 2, 3, 4) d
        where r.tenant_id = d.tenant_id and r.hour = d.hour and r.conversation_id = d.conversation_id and r.author_id = d.author_id;
        delete from message_counts r
        using (select distinct tenant_id, message_count_hour(sent_at) as hour, conversation_id, message_count_author(direction, author_id) as author_id from removed) d
        where r.tenant_id = d.tenant_id and r.hour = d.hour and r.conversation_id = d.conversation_id and r.author_id = d.author_id
          and r.inbound <= 0 and r.outbound <= 0;
        return null;
      end $$`);
    await q.query(`
      create function message_counts_move() returns trigger language plpgsql as $$
      declare
        old_hour timestamptz := message_count_hour(old.sent_at);
        old_author uuid := message_count_author(old.direction, old.author_id);
      begin
        update message_counts set inbound = inbound - (old.direction = 'inbound')::int, outbound = outbound - (old.direction = 'outbound')::int
        where tenant_id = old.tenant_id and hour = old_hour and conversation_id = old.conversation_id and author_id = old_author;
        delete from message_counts
        where tenant_id = old.tenant_id and hour = old_hour and conversation_id = old.conversation_id and author_id = old_author
          and inbound <= 0 and outbound <= 0;
        insert into message_counts as r (tenant_id, hour, conversation_id, author_id, inbound, outbound)
        values (new.tenant_id, message_count_hour(new.sent_at), new.conversation_id, message_count_author(new.direction, new.author_id),
                (new.direction = 'inbound')::int, (new.direction = 'outbound')::int)
        on conflict (tenant_id, hour, conversation_id, author_id)
        do update set inbound = r.inbound + excluded.inbound, outbound = r.outbound + excluded.outbound;
        return null;
      end $$`);
    await q.query(`create trigger messages_count_insert after insert on messages referencing new table as added
      for each statement execute function message_counts_add()`);
    await q.query(`create trigger messages_count_delete after delete on messages referencing old table as removed
      for each statement execute function message_counts_remove()`);
    await q.query(`create trigger messages_count_update after update of sent_at, direction, author_id, conversation_id on messages for each row
      when (old.sent_at is distinct from new.sent_at or old.direction is distinct from new.direction
            or old.author_id is distinct from new.author_id or old.conversation_id is distinct from new.conversation_id)
      execute function message_counts_move()`);
    await q.query(`
      insert into message_counts (tenant_id, hour, conversation_id, author_id, inbound, outbound)
      select tenant_id, message_count_hour(sent_at), conversation_id, message_count_author(direction, author_id),
             count(*) filter (where direction = 'inbound'), count(*) filter (where direction = 'outbound')
      from messages group by 1, 2, 3, 4`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop trigger messages_count_update on messages`);
    await q.query(`drop trigger messages_count_delete on messages`);
    await q.query(`drop trigger messages_count_insert on messages`);
    await q.query(`drop function message_counts_move()`);
    await q.query(`drop function message_counts_remove()`);
    await q.query(`drop function message_counts_add()`);
    await q.query(`drop function message_count_author(text, uuid)`);
    await q.query(`drop function message_count_hour(timestamptz)`);
    await q.query(`drop table message_counts`);
  }
}
