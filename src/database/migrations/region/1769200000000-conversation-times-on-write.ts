import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * conversation_summary_add (the statement trigger after an INSERT into messages, migration
 * ConversationSummary) as it was, or also keeping the conversation's times: `last_message_at` (the
 * newest message's sent_at, never moving back), `last_inbound_at` (the newest inbound message's
 * that is not an automatic reply, never moving back) and `updated_at`.
 */
const summaryAdd = (keepTimes: boolean) => `
  create or replace function conversation_summary_add() returns trigger language plpgsql as $$
  begin
    -- The conversation row first: a read position's counter is computed under a share lock on it.
    with latest as (
      select distinct on (tenant_id, conversation_id) tenant_id, conversation_id, id, direction,
             case when deleted_at is null then left(text, 140) end as text, sent_at
      from added order by tenant_id, conversation_id, sent_at desc, id desc),
    latest_inbound as (
      select distinct on (tenant_id, conversation_id) tenant_id, conversation_id, id, subject, sent_at
      from added where direction = 'inbound' order by tenant_id, conversation_id, sent_at desc, id desc),
    inbound as (
      select tenant_id, conversation_id, count(*)::int as n${keepTimes ? ', max(sent_at) filter (where not auto_reply) as last_at' : ''}
      from added where direction = 'inbound' group by 1, 2)
    update conversations c set
      inbound_messages = c.inbound_messages + coalesce(i.n, 0),${
        keepTimes
          ? `
      last_message_at = greatest(c.last_message_at, l.sent_at),
      last_inbound_at = case when i.last_at is null then c.last_inbound_at else greatest(coalesce(c.last_inbound_at, i.last_at), i.last_at) end,
      updated_at = now(),`
          : ''
      }
      last_message_id = case when message_is_newer(l.sent_at, l.id, c.last_message_sent_at, c.last_message_id) then l.id else c.last_message_id end,
      last_message_direction = case when message_is_newer(l.sent_at, l.id, c.last_message_sent_at, c.last_message_id) then l.direction else c.last_message_direction end,
      last_message_text = case when message_is_newer(l.sent_at, l.id, c.last_message_sent_at, c.last_message_id) then l.text else c.last_message_text end,
      last_message_sent_at = case when message_is_newer(l.sent_at, l.id, c.last_message_sent_at, c.last_message_id) then l.sent_at else c.last_message_sent_at end,
      last_subject_message_id = case when li.id is not null and message_is_newer(li.sent_at, li.id, c.last_subject_sent_at, c.last_subject_message_id) then li.id else c.last_subject_message_id end,
      last_subject = case when li.id is not null and message_is_newer(li.sent_at, li.id, c.last_subject_sent_at, c.last_subject_message_id) then li.subject else c.last_subject end,
      last_subject_sent_at = case when li.id is not null and message_is_newer(li.sent_at, li.id, c.last_subject_sent_at, c.last_subject_message_id) then li.sent_at else c.last_subject_sent_at end
    from latest l
      left join latest_inbound li on li.tenant_id = l.tenant_id and li.conversation_id = l.conversation_id
      left join inbound i on i.tenant_id = l.tenant_id and i.conversation_id = l.conversation_id
    where c.tenant_id = l.tenant_id and c.id = l.conversation_id;

    -- Late messages: sent at or before somebody's read position, so already read by them.
    update conversation_reads r set inbound_read = r.inbound_read + late.n
    from (
      select r2.tenant_id, r2.user_id, r2.conversation_id,
             (select count(*)::int from added m
              where m.tenant_id = r2.tenant_id and m.conversation_id = r2.conversation_id and m.direction = 'inbound'
                and m.sent_at <= r2.read_up_to) as n
      from (select tenant_id, conversation_id, min(sent_at) as oldest from added where direction = 'inbound' group by 1, 2) a
      join conversation_reads r2 on r2.tenant_id = a.tenant_id and r2.conversation_id = a.conversation_id and r2.read_up_to >= a.oldest) late
    where r.tenant_id = late.tenant_id and r.user_id = late.user_id and r.conversation_id = late.conversation_id;
    return null;
  end $$`;

/**
 * A conversation's times move in the summary trigger's update instead of a second update of the
 * same row by every writer of messages (the ingest batch, one inbound message, an echo, a queued
 * reply): each message written updated its conversation row twice in one transaction, and since
 * `last_message_at` is in six of the table's fourteen indexes, the first update is never HOT and
 * the second rarely (its page is full of the first's versions): two new row versions and about
 * 28 index entries per conversation written. Measured on processor-like batches (500 inbound
 * messages over 500 conversations, one transaction): WAL of the database 5.6 -> 4.0 KB per
 * message, PostgreSQL backend CPU 257-297 -> 179-191 us per message (the summary triggers off:
 * 147-173 us). The writers keep only what the trigger cannot know: a snoozed (or, for a threaded
 * reply, resolved) conversation that opens again.
 *
 * Same values as before: every writer of messages set last_message_at to the greatest of it and
 * the message's sent_at and updated_at to now(), and, for an inbound message that is not an
 * automatic reply, last_inbound_at the same way.
 */
export class ConversationTimesOnWrite1769200000000 implements MigrationInterface {
  name = 'ConversationTimesOnWrite1769200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(summaryAdd(true));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(summaryAdd(false));
  }
}
