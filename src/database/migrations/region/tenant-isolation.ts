import type { QueryRunner } from 'typeorm';

/** Row-level security, forced, with the one policy every tenant table has. */
export async function enableTenantIsolation(q: QueryRunner, table: string): Promise<void> {
  await q.query(`alter table ${table} enable row level security`);
  await q.query(`alter table ${table} force row level security`);
  await q.query(`create policy tenant_isolation on ${table}
    using (tenant_id = app_current_tenant()) with check (tenant_id = app_current_tenant())`);
}
