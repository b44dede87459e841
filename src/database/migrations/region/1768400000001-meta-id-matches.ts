import { MigrationInterface, QueryRunner } from 'typeorm';
import { setJobKinds } from './job-kinds';
import { enableTenantIsolation } from './tenant-isolation';

/**
 * `meta_id_matches`: which Page-scoped id (PSID) on a tenant's Page Graph's ID matching gave for a
 * person's app-scoped id (ASID), so a later data-deletion callback for that person finds their
 * conversations there even when Graph cannot answer. Tenant-owned like every personal datum:
 * RLS, gone with the tenant (cascade), deleted with the contact or platform user it names
 * (ErasureService), never exported.
 *
 * The work queue learns 'meta_matching': a Meta deletion request whose matching failed (Graph
 * 5xx, a network error, a rate limit), retried with backoff until Graph answers.
 */
export class MetaIdMatches1768400000001 implements MigrationInterface {
  name = 'MetaIdMatches1768400000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table meta_id_matches (
        tenant_id uuid not null references tenants (tenant_id) on delete cascade,
        app_scoped_id text not null,
        page_scoped_id text not null,
        page_id text not null,
        recorded_at timestamptz(3) not null default now(),
        primary key (tenant_id, app_scoped_id, page_scoped_id)
      )`);
    await q.query(`create index meta_id_matches_psid_idx on meta_id_matches (tenant_id, page_scoped_id)`);
    await enableTenantIsolation(q, 'meta_id_matches');
    await setJobKinds(q, (kinds) => [...new Set([...kinds, 'meta_matching'])]);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`delete from queue.jobs where kind = 'meta_matching'`);
    await setJobKinds(q, (kinds) => kinds.filter((k) => k !== 'meta_matching'));
    await q.query(`drop table meta_id_matches`);
  }
}
