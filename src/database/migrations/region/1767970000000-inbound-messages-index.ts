import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The inbox list counts each row's unread inbound messages and reads the contact's latest subject:
 * both walk a conversation's inbound messages newest first. On messages_conversation_idx that
 * meant fetching every message row to check its direction (50 per conversation at 1,000,000
 * messages: the list's main cost); a partial index of inbound messages answers the count from the
 * index alone. The price: one more index entry per inbound message.
 */
export class InboundMessagesIndex1767970000000 implements MigrationInterface {
  name = 'InboundMessagesIndex1767970000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`create index messages_inbound_idx on messages (tenant_id, conversation_id, sent_at desc) where direction = 'inbound'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop index messages_inbound_idx`);
  }
}
