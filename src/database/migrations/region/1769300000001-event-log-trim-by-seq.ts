import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * event_log_created_at_idx goes: only the retention trim read it, and every event written paid an
 * entry in it (about a third of what the log's indexes cost a message). The trim walks the
 * primary key instead, from a tenant's oldest event, and stops at the first one inside the
 * retention (see EventLogStore.trim): numbers follow creation times up to a transaction's
 * duration, so an event can outlive the retention by that much, and the log stays a contiguous
 * range of numbers.
 */
export class EventLogTrimBySeq1769300000001 implements MigrationInterface {
  name = 'EventLogTrimBySeq1769300000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`drop index event_log_created_at_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`create index event_log_created_at_idx on event_log (tenant_id, created_at)`);
  }
}
