import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An outbound message's pick list (Choices: a WhatsApp list message's button and rows), kept with
 * the message so the sender offers it however late it delivers; null for nearly every message.
 */
export class MessageChoices1768200000001 implements MigrationInterface {
  name = 'MessageChoices1768200000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table messages add column choices jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`alter table messages drop column choices`);
  }
}
