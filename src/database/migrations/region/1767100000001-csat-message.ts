import { MigrationInterface, QueryRunner } from 'typeorm';

/** The message that asked a survey, so the web chat widget can offer its rating buttons under it. */
export class CsatMessage1767100000001 implements MigrationInterface {
  name = 'CsatMessage1767100000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table csat_surveys add column message_id uuid`);
    await q.query(`create index csat_surveys_message_idx on csat_surveys (tenant_id, message_id) where message_id is not null`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`alter table csat_surveys drop column message_id`);
  }
}
