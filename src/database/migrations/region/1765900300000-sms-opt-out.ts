import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An End User's STOP on an SMS number, recorded on their identity for that channel (number):
 * nothing is sent to them there until they send START. It goes with the identity (erasure).
 */
export class SmsOptOut1765900300000 implements MigrationInterface {
  name = 'SmsOptOut1765900300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table contact_identities add column opted_out_at timestamptz(3)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`alter table contact_identities drop column opted_out_at`);
  }
}
