import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Claiming a job updates its lease (columns no index covers). With room left on each page the
 * update stays on the page (a HOT update: no new index entries, less WAL), which a table filled
 * to the brim by inserts cannot offer.
 */
export class QueueFillfactor1764910000000 implements MigrationInterface {
  name = 'QueueFillfactor1764910000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table queue.jobs set (fillfactor = 50)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`alter table queue.jobs reset (fillfactor)`);
  }
}
