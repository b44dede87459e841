import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a platform says about a message as a whole (forwarded, the button or list row chosen,
 * with its id), next to its text and attachments. Null for nearly every message: no rewrite.
 * It is content: erased with the message's text.
 */
export class MessageContext1766410000000 implements MigrationInterface {
  name = 'MessageContext1766410000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table messages add column context jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`alter table messages drop column context`);
  }
}
