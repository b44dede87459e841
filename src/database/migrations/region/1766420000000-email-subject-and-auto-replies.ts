import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * E-mail is e-mail: a message keeps the subject it came with (a conversation shows its latest
 * inbound one, so nothing outlives the messages it was read from), and an automatic reply
 * (vacation responders, `Auto-Submitted`) is marked, so it neither reopens its conversation nor
 * counts as the contact writing.
 */
export class EmailSubjectAndAutoReplies1766420000000 implements MigrationInterface {
  name = 'EmailSubjectAndAutoReplies1766420000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table messages add column subject text, add column auto_reply boolean not null default false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`alter table messages drop column subject, drop column auto_reply`);
  }
}
