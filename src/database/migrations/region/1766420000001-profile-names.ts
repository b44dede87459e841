import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Messenger and Instagram webhooks carry no names: the End User's name is asked of the Graph API
 * once, then again only after a long while. When it was last asked is kept per identity.
 */
export class ProfileNames1766420000001 implements MigrationInterface {
  name = 'ProfileNames1766420000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table contact_identities add column profile_fetched_at timestamptz(3)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`alter table contact_identities drop column profile_fetched_at`);
  }
}
