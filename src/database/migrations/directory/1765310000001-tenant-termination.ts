import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A terminating tenant stays in the directory until its purge is done (its logins and routes go
 * with it then), marked so nothing new is routed to it; the code is its public deletion status.
 */
export class TenantTermination1765310000001 implements MigrationInterface {
  name = 'TenantTermination1765310000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table directory.tenants add column terminating_at timestamptz(3), add column termination_code text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`alter table directory.tenants drop column terminating_at, drop column termination_code`);
  }
}
