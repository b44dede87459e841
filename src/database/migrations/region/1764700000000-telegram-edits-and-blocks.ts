import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Edited messages keep their history in the message row itself (`edits`: earlier versions, oldest
 * first), so whatever erases or purges a message takes its history with it. A contact identity
 * records that the End User blocked the business's account (`blocked_at`), and when that state
 * last changed (`blocked_changed_at`), so block/unblock events processed out of order settle on
 * the latest. Columns only: the tables keep their keys and row-level security.
 */
export class TelegramEditsAndBlocks1764700000000 implements MigrationInterface {
  name = 'TelegramEditsAndBlocks1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table messages add column edited_at timestamptz, add column edits jsonb not null default '[]'`);
    await q.query(`alter table contact_identities add column blocked_at timestamptz, add column blocked_changed_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`alter table contact_identities drop column blocked_changed_at, drop column blocked_at`);
    await q.query(`alter table messages drop column edits, drop column edited_at`);
  }
}
