import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Message ids that sort in the order the messages were stored (UUID version 7 layout), so that
 * messages with the same sent_at are ordered as they arrived. Everything that orders messages
 * breaks a tie in sent_at by id (the conversation's messages, its last message and preview, the
 * e-mail thread's references, exports); with random ids that order was random. Ties are common:
 * Telegram and WhatsApp date messages to the second, and a batch webhook gives several one time.
 *
 * Layout: the clock's Unix milliseconds (48 bits), the version (7), the microseconds within that
 * millisecond (12 bits), the variant, the caller's position `n` within its statement (14 bits),
 * 48 random bits. A statement that stores several messages numbers them (the processor's batch
 * insert): rows evaluated within the same microsecond still sort in the statement's order. One
 * message per statement needs no number, a statement takes longer than a microsecond.
 *
 * Messages stored before keep their random ids: a tie between one of those and a new message
 * stays as random as it was.
 */
export class MessageIdsInInsertOrder1769530000000 implements MigrationInterface {
  name = 'MessageIdsInInsertOrder1769530000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create function time_ordered_uuid(n integer default 0) returns uuid language plpgsql volatile parallel safe as $$
      declare
        us bigint := floor(extract(epoch from clock_timestamp()) * 1000000)::bigint;
      begin
        return (lpad(to_hex(us / 1000), 12, '0') || '7' || lpad(to_hex(us % 1000), 3, '0')
                || to_hex(32768 | (n & 16383)) || right(gen_random_uuid()::text, 12))::uuid;
      end $$`);
    await q.query(`alter table messages alter column id set default time_ordered_uuid()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`alter table messages alter column id set default gen_random_uuid()`);
    await q.query(`drop function time_ordered_uuid(integer)`);
  }
}
