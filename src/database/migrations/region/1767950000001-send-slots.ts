import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-channel send limits shared by every instance of a region: one row per limited key (a
 * WhatsApp number, a Page, a bot, a bot's chat, a Twilio sender) holding the earliest time the
 * next send may start. Reserving a slot is one atomic upsert (see SendLimiter). Keys hold ids
 * only (a chat id is hashed), never content; rows that fell behind are swept.
 */
export class SendSlots1767950000001 implements MigrationInterface {
  name = 'SendSlots1767950000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`create table queue.send_slots (key text primary key, next_at timestamptz not null) with (fillfactor = 50)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table queue.send_slots`);
  }
}
