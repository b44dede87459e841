import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every statement that inserts or deletes messages locks the conversations of its rows first, in
 * (tenant_id, id) order, before the triggers that keep their summaries and counters (migrations
 * MessageCounts, ConversationSummary) update them.
 *
 * Why: those triggers update the conversation rows in whatever order their plan visits them: a
 * probe per conversation in id order for an inbound batch, the order of a hash table for a
 * retention purge's delete, the table's physical order when the plan scans it. Two transactions
 * writing messages of the same conversations (a processor batch and a purge, test
 * conversation-lock-order) then took the rows in opposite orders and deadlocked: PostgreSQL
 * aborted one, a purge run failed or a batch fell back to one by one. Taking them in one order up
 * front makes the second writer wait for the first instead, whatever the plans. Sorting the
 * writers' rows would not do: the triggers' plans, not the order of the rows, decide.
 *
 * - FOR NO KEY UPDATE, the lock the triggers' updates take anyway: it does not conflict with the
 *   key-share locks of the foreign key checks of messages being inserted elsewhere.
 * - Fires before the counting and summary triggers: AFTER STATEMENT triggers of one event fire in
 *   the order of their names ('messages_conversations_…' < 'messages_count_…' <
 *   'messages_summary_…'). The counters (message_counts, conversation_reads) are then written
 *   under the lock of their conversation too, so they need no order of their own.
 * - The rare row-level updates (an edit, a moved message) touch one or two conversations per
 *   statement and are left as they are.
 * - Costs one probe and one row lock per conversation written (the update that follows finds the
 *   row already locked by its own transaction).
 */
export class ConversationLockOrder1769531000000 implements MigrationInterface {
  name = 'ConversationLockOrder1769531000000';

  async up(q: QueryRunner): Promise<void> {
    // The transition table is called `written` in both triggers, so one function serves both.
    // LockRows runs above the sort: the rows are locked in the order of the ORDER BY.
    await q.query(`
      create function lock_message_conversations() returns trigger language plpgsql as $$
      begin
        perform 1 from conversations c
        where (c.tenant_id, c.id) in (select distinct tenant_id, conversation_id from written)
        order by c.tenant_id, c.id
        for no key update of c;
        return null;
      end $$`);
    await q.query(`create trigger messages_conversations_lock_insert after insert on messages referencing new table as written
      for each statement execute function lock_message_conversations()`);
    await q.query(`create trigger messages_conversations_lock_delete after delete on messages referencing old table as written
      for each statement execute function lock_message_conversations()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop trigger messages_conversations_lock_delete on messages`);
    await q.query(`drop trigger messages_conversations_lock_insert on messages`);
    await q.query(`drop function lock_message_conversations()`);
  }
}
