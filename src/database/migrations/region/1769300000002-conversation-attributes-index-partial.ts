import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * conversations_custom_attributes_idx holds only conversations that have custom attributes. A GIN
 * index keeps an entry even for an empty object, and every update of a conversation that is not
 * HOT (each message moves last_message_at, which six other indexes hold) wrote one: 166 B of WAL
 * an inbound message in bench:ingest at 500/s, for conversations that had none. The list's
 * attribute filter says `custom_attributes <> '{}'` besides its containment (see triageListSql),
 * so the planner can use the partial index (a non-empty containment never matches an empty object).
 * Built inside the migration's transaction: writes to conversations wait while it builds.
 */
export class ConversationAttributesIndexPartial1769300000002 implements MigrationInterface {
  name = 'ConversationAttributesIndexPartial1769300000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`drop index conversations_custom_attributes_idx`);
    await q.query(
      `create index conversations_custom_attributes_idx on conversations using gin (custom_attributes jsonb_path_ops) where custom_attributes <> '{}'::jsonb`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop index conversations_custom_attributes_idx`);
    await q.query(`create index conversations_custom_attributes_idx on conversations using gin (custom_attributes jsonb_path_ops)`);
  }
}
