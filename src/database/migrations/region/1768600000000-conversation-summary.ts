import { MigrationInterface, QueryRunner } from 'typeorm';

/** Characters of a message's text the inbox list previews. */
const PREVIEW = 140;

/** The last message's preview of each conversation in `where`, read again from its messages. */
const refreshPreview = (where: string) => `
  update conversations c set
    (last_message_id, last_message_direction, last_message_text, last_message_sent_at) = (
      select m.id, m.direction, case when m.deleted_at is null then left(m.text, ${PREVIEW}) end, m.sent_at
      from messages m where m.tenant_id = c.tenant_id and m.conversation_id = c.id
      order by m.sent_at desc, m.id desc limit 1),
    (last_subject_message_id, last_subject_sent_at, last_subject) = (
      select m.id, m.sent_at, m.subject
      from messages m where m.tenant_id = c.tenant_id and m.conversation_id = c.id and m.direction = 'inbound'
      order by m.sent_at desc, m.id desc limit 1)
  where ${where}`;

/** Every maintained column of each conversation in `where` (and its readers' positions), counted from scratch. */
const rebuild = (where: string, readsWhere: string) => [
  `update conversations c set inbound_messages = (
     select count(*) from messages m where m.tenant_id = c.tenant_id and m.conversation_id = c.id and m.direction = 'inbound')
   where ${where}`,
  refreshPreview(where),
  `update conversation_reads r set inbound_read = (
     select count(*) from messages m
     where m.tenant_id = r.tenant_id and m.conversation_id = r.conversation_id and m.direction = 'inbound' and m.sent_at <= r.read_up_to)
   where ${readsWhere}`,
];

/**
 * Moves the `inbound_read` of every read position at or after the inbound messages of a transition
 * table (`added` or `removed`) by how many of them it covers: those messages were sent before the
 * reader's position, so they count as read (or no longer do).
 */
const shiftReadPositions = (
  table: 'added' | 'removed',
  sign: '+' | '-',
  alias: string,
) => `update conversation_reads r set inbound_read = r.inbound_read ${sign} ${alias}.n
        from (
          select r2.tenant_id, r2.user_id, r2.conversation_id,
                 (select count(*)::int from ${table} m
                  where m.tenant_id = r2.tenant_id and m.conversation_id = r2.conversation_id and m.direction = 'inbound'
                    and m.sent_at <= r2.read_up_to) as n
          from (select tenant_id, conversation_id, min(sent_at) as oldest from ${table} where direction = 'inbound' group by 1, 2) a
          join conversation_reads r2 on r2.tenant_id = a.tenant_id and r2.conversation_id = a.conversation_id and r2.read_up_to >= a.oldest) ${alias}
        where r.tenant_id = ${alias}.tenant_id and r.user_id = ${alias}.user_id and r.conversation_id = ${alias}.conversation_id`;

/**
 * What the inbox list shows of a conversation's messages, kept on the conversation row on write,
 * so a list row is one conversation row plus the viewer's read position instead of three probes
 * into messages per row (the last message, the contact's last subject, and up to 100 unread
 * inbound messages counted through messages_inbound_idx: the largest part of the list's cost).
 *
 * - Preview: the newest message by (sent_at, id): its id, direction, time and the first 140
 *   characters of its text (null when it is deleted); the newest inbound message's subject.
 *   The message ids say which message a preview came from, so deleting or editing that message
 *   refreshes it at once in the same statement: an erased text never stays in a preview.
 * - Unread: `inbound_messages` counts the conversation's stored inbound messages; a read position
 *   records how many of them were sent at or before its read_up_to (`inbound_read`). The unread
 *   count is the difference, the same number as counting the inbound messages after read_up_to.
 *   A late message (sent before someone's read position) or a deleted one moves both.
 *
 * Kept by triggers, as message_counts is: statement-level over the transition tables for insert and
 * delete (one grouped update per statement: the set-based ingest batch stays set-based), a row
 * trigger whose WHEN clause keeps it off the hot status updates for a change of text, deletion,
 * subject, time, direction or conversation. Every writer of messages (ingest one by one and in
 * batches, sending, edits, erasure, retention, a channel's purge) keeps them without knowing.
 *
 * Consistency between a read position and the counter: a position's inbound_read is computed under
 * a share lock on the conversation row, which every message write takes (its trigger updates the
 * row) before it adjusts read positions, so the two never miss each other's change.
 */
export class ConversationSummary1768600000000 implements MigrationInterface {
  name = 'ConversationSummary1768600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      alter table conversations
        add column last_message_id uuid,
        add column last_message_direction text,
        add column last_message_text text,
        add column last_message_sent_at timestamp(3) with time zone,
        add column last_subject_message_id uuid,
        add column last_subject_sent_at timestamp(3) with time zone,
        add column last_subject text,
        add column inbound_messages integer not null default 0`);
    await q.query(`alter table conversation_reads add column inbound_read integer not null default 0`);

    // (at, id) after the preview's (cur_at, cur_id), or there is none yet.
    await q.query(`
      create function message_is_newer(at timestamptz, id uuid, cur_at timestamptz, cur_id uuid) returns boolean
      language sql immutable parallel safe
      as $$ select cur_id is null or (at, id) > (cur_at, cur_id) $$`);

    await q.query(`
      create function conversation_summary_add() returns trigger language plpgsql as $$
      begin
        -- The conversation row first: a read position's counter is computed under a share lock on it.
        with latest as (
          select distinct on (tenant_id, conversation_id) tenant_id, conversation_id, id, direction,
                 case when deleted_at is null then left(text, ${PREVIEW}) end as text, sent_at
          from added order by tenant_id, conversation_id, sent_at desc, id desc),
        latest_inbound as (
          select distinct on (tenant_id, conversation_id) tenant_id, conversation_id, id, subject, sent_at
          from added where direction = 'inbound' order by tenant_id, conversation_id, sent_at desc, id desc),
        inbound as (
          select tenant_id, conversation_id, count(*)::int as n from added where direction = 'inbound' group by 1, 2)
        update conversations c set
          inbound_messages = c.inbound_messages + coalesce(i.n, 0),
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
        ${shiftReadPositions('added', '+', 'late')};
        return null;
      end $$`);

    await q.query(`
      create function conversation_summary_remove() returns trigger language plpgsql as $$
      begin
        update conversations c set inbound_messages = c.inbound_messages - d.n
        from (select tenant_id, conversation_id, count(*)::int as n from removed where direction = 'inbound' group by 1, 2) d
        where c.tenant_id = d.tenant_id and c.id = d.conversation_id;
        -- A preview whose message is gone is read again from what is left (nothing: null).
        ${refreshPreview(`(c.tenant_id, c.id) in (select tenant_id, conversation_id from removed)
          and ((c.tenant_id, c.last_message_id) in (select tenant_id, id from removed)
               or (c.tenant_id, c.last_subject_message_id) in (select tenant_id, id from removed))`)};
        ${shiftReadPositions('removed', '-', 'gone')};
        return null;
      end $$`);

    // Rare (an edit, a platform's deletion, a correction of time): one row at a time.
    await q.query(`
      create function conversation_summary_change() returns trigger language plpgsql as $$
      begin
        if old.conversation_id is distinct from new.conversation_id or old.direction is distinct from new.direction
           or old.sent_at is distinct from new.sent_at then
          ${rebuild('c.tenant_id = new.tenant_id and c.id in (old.conversation_id, new.conversation_id)', 'r.tenant_id = new.tenant_id and r.conversation_id in (old.conversation_id, new.conversation_id)').join(';\n')};
        else
          ${refreshPreview('c.tenant_id = new.tenant_id and c.id = new.conversation_id and new.id in (c.last_message_id, c.last_subject_message_id)')};
        end if;
        return null;
      end $$`);

    await q.query(`
      create function conversation_read_position() returns trigger language plpgsql as $$
      declare
        total integer;
      begin
        -- Shared with nobody writing the conversation's messages (see the migration's comment).
        select inbound_messages into total from conversations where tenant_id = new.tenant_id and id = new.conversation_id for share;
        new.inbound_read := coalesce(total, 0) - (
          select count(*) from messages m
          where m.tenant_id = new.tenant_id and m.conversation_id = new.conversation_id and m.direction = 'inbound' and m.sent_at > new.read_up_to);
        return new;
      end $$`);

    await q.query(`create trigger messages_summary_insert after insert on messages referencing new table as added
      for each statement execute function conversation_summary_add()`);
    await q.query(`create trigger messages_summary_delete after delete on messages referencing old table as removed
      for each statement execute function conversation_summary_remove()`);
    await q.query(`create trigger messages_summary_update after update of text, deleted_at, subject, sent_at, direction, conversation_id on messages
      for each row
      when (old.text is distinct from new.text or old.deleted_at is distinct from new.deleted_at or old.subject is distinct from new.subject
            or old.sent_at is distinct from new.sent_at or old.direction is distinct from new.direction or old.conversation_id is distinct from new.conversation_id)
      execute function conversation_summary_change()`);
    await q.query(`create trigger conversation_reads_position before insert or update of read_up_to on conversation_reads
      for each row execute function conversation_read_position()`);

    for (const sql of rebuild('true', 'true')) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop trigger conversation_reads_position on conversation_reads`);
    await q.query(`drop trigger messages_summary_update on messages`);
    await q.query(`drop trigger messages_summary_delete on messages`);
    await q.query(`drop trigger messages_summary_insert on messages`);
    await q.query(`drop function conversation_read_position()`);
    await q.query(`drop function conversation_summary_change()`);
    await q.query(`drop function conversation_summary_remove()`);
    await q.query(`drop function conversation_summary_add()`);
    await q.query(`drop function message_is_newer(timestamptz, uuid, timestamptz, uuid)`);
    await q.query(`alter table conversation_reads drop column inbound_read`);
    await q.query(`
      alter table conversations
        drop column last_message_id, drop column last_message_direction, drop column last_message_text, drop column last_message_sent_at,
        drop column last_subject_message_id, drop column last_subject_sent_at, drop column last_subject, drop column inbound_messages`);
  }
}
