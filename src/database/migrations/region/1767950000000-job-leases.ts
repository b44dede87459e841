import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fencing for short job leases: each claim stamps the job with a fresh lease id, and completing,
 * renewing or handing back a job only works under the lease it was claimed with. A worker that
 * stalled past its lease (and whose job another instance took over) can then no longer end it.
 */
export class JobLeases1767950000000 implements MigrationInterface {
  name = 'JobLeases1767950000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table queue.jobs add column lease uuid`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`alter table queue.jobs drop column lease`);
  }
}
