import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What reports read without scanning messages: when each conversation was last resolved and when
 * a person first answered it, kept by triggers (whatever path changes a status or sends a reply),
 * and filled in for the conversations that exist.
 */
export class Reports1766600000001 implements MigrationInterface {
  name = 'Reports1766600000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table conversations add column resolved_at timestamptz(3), add column first_response_at timestamptz(3)`);
    await q.query(`
      create function conversation_resolved_at() returns trigger language plpgsql as $$
      begin
        if new.status = 'resolved' and old.status is distinct from 'resolved' then new.resolved_at := now();
        elsif new.status <> 'resolved' then new.resolved_at := null;
        end if;
        return new;
      end $$`);
    await q.query(`create trigger conversations_resolved_at before update of status on conversations for each row execute function conversation_resolved_at()`);
    // A person's reply (an author, not an automatic reply nor an echo from the platform's own app).
    await q.query(`
      create function conversation_first_response() returns trigger language plpgsql as $$
      begin
        update conversations set first_response_at = new.sent_at
        where tenant_id = new.tenant_id and id = new.conversation_id and first_response_at is null;
        return null;
      end $$`);
    await q.query(`create trigger messages_first_response after insert on messages for each row
      when (new.direction = 'outbound' and new.author_id is not null and not new.auto_reply)
      execute function conversation_first_response()`);
    await q.query(`update conversations set resolved_at = updated_at where status = 'resolved'`);
    await q.query(`update conversations c set first_response_at = f.at
      from (select tenant_id, conversation_id, min(sent_at) as at from messages
            where direction = 'outbound' and author_id is not null and not auto_reply group by 1, 2) f
      where c.tenant_id = f.tenant_id and c.id = f.conversation_id`);
    await q.query(`create index conversations_created_idx on conversations (tenant_id, created_at)`);
    await q.query(`create index conversations_resolved_idx on conversations (tenant_id, resolved_at) where resolved_at is not null`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop index conversations_resolved_idx`);
    await q.query(`drop index conversations_created_idx`);
    await q.query(`drop trigger messages_first_response on messages`);
    await q.query(`drop function conversation_first_response()`);
    await q.query(`drop trigger conversations_resolved_at on conversations`);
    await q.query(`drop function conversation_resolved_at()`);
    await q.query(`alter table conversations drop column resolved_at, drop column first_response_at`);
  }
}
