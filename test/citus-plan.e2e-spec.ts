import type { Client } from 'pg';
import { COLOCATION_ANCHOR, distributeForCitus, pendingStatements, planCitus, statementTable, type CitusPlan } from '../src/database/citus-plan';
import { tenantTables } from './support/db-catalog';
import { ownerClient } from './support/test-app';
import { TEST_REGIONS } from './support/test-databases';

/**
 * Citus is not installed on the test server, so the statements the migrator would issue are
 * checked against the catalog of a freshly migrated region: a new table or key that Citus could
 * not distribute by tenant_id fails here, listed, long before anyone runs a cluster.
 */
describe.each(TEST_REGIONS)('Citus plan for region %s', (region) => {
  let c: Client;
  let plan: CitusPlan;
  beforeAll(async () => {
    c = await ownerClient(region);
    plan = await planCitus(c);
  });
  afterAll(() => c.end());

  it('has no blockers', () => {
    expect(plan.blockers).toEqual([]);
  });

  it('distributes every tenant table by tenant_id, co-located with tenants', async () => {
    const tenant = (await tenantTables(c)).map((t) => `public.${t}`);
    expect([...plan.distributed].sort()).toEqual(tenant.sort());
    expect(plan.distributed[0]).toBe(COLOCATION_ANCHOR);
    const distributing = plan.statements.filter((s) => s.startsWith('select create_distributed_table('));
    expect(distributing.map(statementTable)).toEqual(plan.distributed);
    expect(distributing[0]).toBe(`select create_distributed_table('"public"."tenants"', 'tenant_id', colocate_with => 'none')`);
    for (const s of distributing.slice(1)) expect(s).toMatch(/, 'tenant_id', colocate_with => '"public"\."tenants"'\)$/);
  });

  it('leaves no table with tenant_id unplaced, and says why one is not distributed', async () => {
    const { rows } = await c.query(
      `select format('%s.%s', table_schema, table_name) as t from information_schema.columns c
       where column_name = 'tenant_id' and table_schema not in ('pg_catalog', 'information_schema')
         and exists (select 1 from information_schema.tables t where t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE')`,
    );
    const placed = new Set([...plan.distributed, ...plan.reference, ...plan.local.map((l) => l.table)]);
    for (const { t } of rows) expect({ t, placed: placed.has(t) }).toEqual({ t, placed: true });
    for (const l of plan.local) expect(l.reason).toBeTruthy();
    expect(plan.local.map((l) => l.table)).toEqual(expect.arrayContaining(['queue.jobs', 'public.migrations']));
  });

  it('pairs tenant_id with tenant_id in every foreign key between distributed tables', async () => {
    const { rows } = await c.query(
      `select conrelid::regclass::text as tbl, confrelid::regclass::text as ref, conname,
              (select array_agg(a.attname order by k.ord) from unnest(conkey) with ordinality k(n, ord) join pg_attribute a on a.attrelid = conrelid and a.attnum = k.n)::text[] as cols,
              (select array_agg(a.attname order by k.ord) from unnest(confkey) with ordinality k(n, ord) join pg_attribute a on a.attrelid = confrelid and a.attnum = k.n)::text[] as ref_cols
       from pg_constraint where contype = 'f' and connamespace = 'public'::regnamespace`,
    );
    const distributed = new Set(plan.distributed.map((t) => t.replace(/^public\./, '')));
    const between = rows.filter((r) => distributed.has(r.tbl) && distributed.has(r.ref));
    expect(between.length).toBeGreaterThan(40);
    for (const r of between) {
      const at = r.cols.indexOf('tenant_id');
      expect({ fk: r.conname, paired: at >= 0 && r.ref_cols[at] === 'tenant_id' }).toEqual({ fk: r.conname, paired: true });
    }
  });

  it('makes reference tables of exactly the tables without tenant_id that tenant tables refer to, and the directory', async () => {
    const { rows } = await c.query(
      `select distinct format('%s.%s', rn.nspname, r.relname) as ref
       from pg_constraint con join pg_class r on r.oid = con.confrelid join pg_namespace rn on rn.oid = r.relnamespace
       where con.contype = 'f'
         and exists (select 1 from pg_attribute a where a.attrelid = con.conrelid and a.attname = 'tenant_id' and not a.attisdropped)
         and not exists (select 1 from pg_attribute a where a.attrelid = con.confrelid and a.attname = 'tenant_id' and not a.attisdropped)`,
    );
    const { rows: directory } = await c.query(`select format('directory.%s', table_name) as t from information_schema.tables where table_schema = 'directory'`);
    expect([...plan.reference].sort()).toEqual([...new Set([...rows.map((r) => r.ref), ...directory.map((r) => r.t)])].sort());
    if (region === 'eu') expect(plan.reference).toEqual(expect.arrayContaining(['directory.tenants', 'directory.channel_routes']));
    else expect(plan.reference).toEqual([]);
  });

  it('creates each table after the tables it refers to', async () => {
    const position = new Map(plan.statements.map((s, i) => [statementTable(s), i]));
    const { rows } = await c.query(
      `select format('%s.%s', n.nspname, c.relname) as tbl, format('%s.%s', rn.nspname, r.relname) as ref
       from pg_constraint con join pg_class c on c.oid = con.conrelid join pg_namespace n on n.oid = c.relnamespace
       join pg_class r on r.oid = con.confrelid join pg_namespace rn on rn.oid = r.relnamespace
       where con.contype = 'f' and con.conrelid <> con.confrelid`,
    );
    for (const { tbl, ref } of rows)
      if (position.has(tbl) && position.has(ref)) expect({ tbl, ref, after: position.get(tbl)! > position.get(ref)! }).toEqual({ tbl, ref, after: true });
  });

  it('writes statements of one shape, naming existing tables by quoted identifiers', async () => {
    expect(plan.statements.length).toBe(plan.distributed.length + plan.reference.length);
    for (const s of plan.statements) {
      expect(s).toMatch(
        /^select (create_reference_table\('"[a-z_]+"\."[a-z_]+"'\)|create_distributed_table\('"[a-z_]+"\."[a-z_]+"', 'tenant_id', colocate_with => ('none'|'"[a-z_]+"\."[a-z_]+"')\))$/,
      );
      const literal = /\('("[^']+")'/.exec(s)![1];
      const { rows } = await c.query(`select to_regclass($1) is not null as exists`, [literal]);
      expect({ s, exists: rows[0].exists }).toEqual({ s, exists: true });
    }
  });

  it('skips the tables Citus already knows', () => {
    const known = new Set([...plan.reference, ...plan.distributed.slice(0, 3)]);
    const pending = pendingStatements(plan, known);
    expect(pending.map(statementTable)).toEqual(plan.distributed.slice(3));
  });

  it('does nothing without the citus extension', async () => {
    const { rows } = await c.query(`select count(*)::int as n from pg_extension where extname = 'citus'`);
    expect(rows[0].n).toBe(0);
    // Were the guard gone, the first create_reference_table/create_distributed_table would fail here.
    await expect(distributeForCitus(c)).resolves.toEqual([]);
  });
});

describe('Citus plan blockers', () => {
  let c: Client;
  beforeAll(async () => {
    c = await ownerClient('ru');
  });
  afterAll(() => c.end());

  it('lists keys Citus could not enforce on one shard, and references into distributed tables', async () => {
    await c.query('begin');
    try {
      await c.query(`create table public.probe_parent (tenant_id uuid not null, id uuid not null, primary key (tenant_id, id), unique (id))`);
      await c.query(`create table public.probe_child (tenant_id uuid, id uuid primary key, parent_id uuid references public.probe_parent (id))`);
      await c.query(`create table public.probe_lookup (code text primary key, parent_tenant uuid, parent_id uuid,
                       foreign key (parent_tenant, parent_id) references public.probe_parent (tenant_id, id))`);
      const plan = await planCitus(c);
      expect(plan.blockers.sort()).toEqual(
        [
          'public.probe_child: tenant_id is nullable (Citus cannot place a row without it)',
          'public.probe_child: unique index probe_child_pkey (id) does not contain tenant_id',
          'public.probe_parent: unique index probe_parent_id_key (id) does not contain tenant_id',
          'public.probe_child: foreign key probe_child_parent_id_fkey (parent_id) -> public.probe_parent (id) does not pair tenant_id with tenant_id',
          'public.probe_lookup: foreign key probe_lookup_parent_tenant_parent_id_fkey (parent_tenant, parent_id) -> public.probe_parent (tenant_id, id): a local table cannot refer to a distributed one',
        ].sort(),
      );
      await expect(distributeForCitus(c)).resolves.toEqual([]); // still nothing without citus
    } finally {
      await c.query('rollback');
    }
  });
});
