import type { Client } from 'pg';
import { tenantTables } from './support/db-catalog';
import { ownerClient } from './support/test-app';
import { TEST_REGIONS } from './support/test-databases';

/**
 * The schema itself promises isolation: read from the catalog, so a new table that forgets its
 * policy or a key without tenant_id fails here, whoever wrote it.
 */
describe.each(TEST_REGIONS)('database catalog of region %s', (region) => {
  let c: Client;
  beforeAll(async () => {
    c = await ownerClient(region);
  });
  afterAll(() => c.end());

  it('has tenant tables', async () => {
    expect(await tenantTables(c)).toEqual(
      expect.arrayContaining(['conversations', 'messages', 'contacts', 'contact_identities', 'notes', 'users', 'channels', 'tenants']),
    );
  });

  it('forces row-level security with a tenant policy on every table that has tenant_id', async () => {
    const { rows } = await c.query(
      `select c.relname, c.relrowsecurity, c.relforcerowsecurity,
              (select count(*) from pg_policies p where p.schemaname = 'public' and p.tablename = c.relname
                 and p.qual like '%app_current_tenant()%' and p.with_check like '%app_current_tenant()%')::int as policies
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind in ('r', 'p') and c.relname = any($1)`,
      [await tenantTables(c)],
    );
    expect(rows.length).toBe((await tenantTables(c)).length);
    for (const r of rows)
      expect({ table: r.relname, rls: r.relrowsecurity, forced: r.relforcerowsecurity, policy: r.policies > 0 }).toEqual({
        table: r.relname,
        rls: true,
        forced: true,
        policy: true,
      });
  });

  it('puts tenant_id in every primary key, unique key and foreign key of those tables', async () => {
    const { rows } = await c.query(
      `select conrelid::regclass::text as tbl, conname, contype,
              exists (select 1 from unnest(con.conkey) k join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k where a.attname = 'tenant_id') as has_tenant
       from pg_constraint con join pg_namespace n on n.oid = con.connamespace
       where n.nspname = 'public' and contype in ('p', 'u', 'f') and conrelid::regclass::text = any($1)`,
      [await tenantTables(c)],
    );
    expect(rows.length).toBeGreaterThan(10);
    for (const r of rows) expect({ constraint: r.conname, hasTenant: r.has_tenant }).toEqual({ constraint: r.conname, hasTenant: true });

    const { rows: uniqueIndexes } = await c.query(
      `select indexrelid::regclass::text as idx, pg_get_indexdef(indexrelid) as def from pg_index i
       join pg_class t on t.oid = i.indrelid join pg_namespace n on n.oid = t.relnamespace
       where n.nspname = 'public' and i.indisunique and t.relname = any($1)`,
      [await tenantTables(c)],
    );
    for (const ix of uniqueIndexes) expect({ idx: ix.idx, leadsWithTenant: /\(tenant_id[,)]/.test(ix.def) }).toEqual({ idx: ix.idx, leadsWithTenant: true });
  });

  it('connects the app as a role that is not superuser, cannot bypass RLS and owns nothing', async () => {
    const {
      rows: [role],
    } = await c.query(`select oid, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb from pg_roles where rolname = $1`, [process.env.MM_TEST_APP_ROLE]);
    expect(role).toMatchObject({ rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false });
    const { rows: owned } = await c.query(
      `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relowner = $1 and n.nspname not like 'pg_%'
       union all select nspname from pg_namespace where nspowner = $1
       union all select proname from pg_proc where proowner = $1`,
      [role.oid],
    );
    expect(owned).toEqual([]);
  });

  it('keeps the directory free of personal data', async () => {
    const { rows } = await c.query(`select table_name, column_name from information_schema.columns where table_schema = 'directory' order by 1, 2`);
    const columns = rows.map((r) => `${r.table_name}.${r.column_name}`);
    if (region !== 'eu') {
      expect(columns).toEqual([]); // the directory lives only in the default region
      return;
    }
    expect(columns).toEqual([
      'auth_throttle.attempts',
      'auth_throttle.bucket',
      'auth_throttle.key',
      'auth_throttle.last_success_at',
      'auth_throttle.locked_until',
      'auth_throttle.lockouts',
      'auth_throttle.window_started_at',
      'channel_routes.account_group', // a WhatsApp Business Account id: the business's, not a person's
      'channel_routes.channel_id',
      'channel_routes.platform',
      'channel_routes.region',
      'channel_routes.routing_key',
      'channel_routes.tenant_id',
      'deletion_requests.code',
      'deletion_requests.completed_at',
      'deletion_requests.counts',
      'deletion_requests.deadline_at',
      'deletion_requests.job_ref',
      'deletion_requests.matched_tenants', // which organizations held data, counted on the status page, never shown
      'deletion_requests.matching', // counts and dates of Meta's ID matching
      'deletion_requests.origin',
      'deletion_requests.outcome',
      'deletion_requests.request_key', // a digest of the platform request's signature: names no person
      'deletion_requests.requested_at',
      'deletion_requests.run_started_at',
      'deletion_requests.sealed_subject', // a Meta request's app-scoped id, sealed under the master key, only until it completes
      'deletion_requests.status',
      'deployment.created_at',
      'deployment.id',
      'deployment.singleton',
      'integration_routes.created_at', // CRM webhooks name only the integration: its tenant and region
      'integration_routes.integration_id',
      'integration_routes.region',
      'integration_routes.tenant_id',
      'logins.login_hash',
      'logins.region',
      'logins.tenant_id',
      'logins.user_id',
      'operators.created_at',
      'operators.id',
      'operators.login_hash',
      'operators.password_hash',
      'tenants.created_at',
      'tenants.region',
      'tenants.tenant_id',
      'tenants.terminating_at',
      'tenants.termination_code',
    ]);
  });

  it('keeps the work queue to ids and timings', async () => {
    const { rows } = await c.query(`select column_name from information_schema.columns where table_schema = 'queue' and table_name = 'jobs' order by 1`);
    expect(rows.map((r) => r.column_name)).toEqual(['attempts', 'available_at', 'id', 'kind', 'lease', 'leased_until', 'ref_id', 'tenant_id']);
  });

  it('keeps the send limits to keys and times (a chat is keyed by a digest, never its platform id)', async () => {
    const { rows } = await c.query(`select column_name from information_schema.columns where table_schema = 'queue' and table_name = 'send_slots' order by 1`);
    expect(rows.map((r) => r.column_name)).toEqual(['key', 'next_at']);
  });
});
