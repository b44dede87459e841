import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantIsolation } from './tenant-isolation';

/**
 * Recording a send's platform id no longer touches an indexed column of messages, so the update
 * can stay on its page (HOT). Before, `external_id` was set by that update, and since it is in the
 * unique key (tenant_id, channel_id, external_id) every send wrote a new entry into all eight of
 * messages' indexes, the two GIN indexes over its words included.
 *
 * - `messages.external_id` keeps the id a message was stored with (inbound messages, echoes):
 *   it is set by the insert and never changes, so the unique key and inbound dedupe are as before.
 * - `messages.sent_external_id` (no index) holds the id the platform gave a message this app sent;
 *   readers take `coalesce(external_id, sent_external_id)`.
 * - `message_sent_ids` finds a message by the id of a send or an echo (status webhooks, reactions,
 *   quotes, an echo of our own send). An echo claims its id here before its message is stored,
 *   and recording a send takes the id over from an echo: the one key orders the two, as the unique
 *   key of messages did when both wrote external_id.
 * - A row goes with its message (a statement trigger over the deleted outbound rows, by this
 *   table's key: no index on message_id to keep).
 * - messages' pages keep a tenth of their room free: a reply is sent (and updated) within
 *   a second of its insert, when its page is full of its neighbours.
 * Sends recorded before this migration keep their id in external_id; lookups read both.
 */
export class SentPlatformIds1769300000000 implements MigrationInterface {
  name = 'SentPlatformIds1769300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table messages add column sent_external_id text`);
    await q.query(`alter table messages set (fillfactor = 90)`);
    await q.query(`
      create table message_sent_ids (
        tenant_id uuid not null references tenants (tenant_id) on delete cascade,
        channel_id uuid not null,
        external_id text not null,
        message_id uuid not null,
        primary key (tenant_id, channel_id, external_id)
      )`);
    await enableTenantIsolation(q, 'message_sent_ids');
    await q.query(`
      create function message_sent_ids_remove() returns trigger language plpgsql as $$
      begin
        delete from message_sent_ids s using removed r
        where r.direction = 'outbound' and s.tenant_id = r.tenant_id and s.channel_id = r.channel_id
          and s.external_id = coalesce(r.sent_external_id, r.external_id) and s.message_id = r.id;
        return null;
      end $$`);
    await q.query(`
      create trigger messages_sent_ids_delete after delete on messages referencing old table as removed
      for each statement execute function message_sent_ids_remove()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop trigger messages_sent_ids_delete on messages`);
    await q.query(`drop function message_sent_ids_remove()`);
    // An echo's claim goes with the table; its external_id is still on the message.
    await q.query(`update messages set external_id = sent_external_id where sent_external_id is not null and external_id is null`);
    await q.query(`drop table message_sent_ids`);
    await q.query(`alter table messages reset (fillfactor)`);
    await q.query(`alter table messages drop column sent_external_id`);
  }
}
