import { DatabaseError, Pool } from 'pg';
import { tenantStatement } from '../src/database/tenant-statement';
import { TestApp, TestTenant, regionUrl } from './support/test-app';

/** One statement for a tenant in one round trip: the tenant's rows only, and no setting left behind. */
describe('statementForTenant', () => {
  let t: TestApp;
  let a: TestTenant;
  let b: TestTenant;
  let channelOfA: string;
  let single: Pool;
  beforeAll(async () => {
    t = await TestApp.start();
    [a, b] = [await t.signup(), await t.signup()];
    channelOfA = await t.createChannel(a);
    await t.createChannel(b);
    // One connection: what the next user of it sees is what the statement left there.
    single = new Pool({ connectionString: await regionUrl('eu'), max: 1 });
  });
  afterAll(async () => {
    await single.end();
    await t.close();
  });

  const setting = async () => (await single.query(`select coalesce(current_setting('app.tenant_id', true), '') as v`)).rows[0].v;

  it("answers the tenant's rows under row-level security", async () => {
    const rows = await t.dbs.statementForTenant<{ id: string }>(a, `select id from channels where kind = $1`, ['messenger']);
    expect(rows.map((r) => r.id)).toEqual([channelOfA]);
  });

  it('scopes the setting to the statement: the connection carries no tenant afterwards', async () => {
    const [row] = await tenantStatement<{ v: string }>(single, a.tenantId, `select current_setting('app.tenant_id') as v`, []);
    expect(row.v).toBe(a.tenantId);
    expect(await setting()).toBe('');
  });

  it("fails with PostgreSQL's error; the next statement runs for its own tenant", async () => {
    const failure = await tenantStatement(single, a.tenantId, `select 1 / $1::int`, [0]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DatabaseError);
    expect((failure as DatabaseError).code).toBe('22012');
    expect(await setting()).toBe('');
    const [row] = await tenantStatement<{ v: string }>(single, b.tenantId, `select current_setting('app.tenant_id') as v`, []);
    expect(row.v).toBe(b.tenantId);
  });

  it('prepares a statement once per connection', async () => {
    const prepared = async () => (await single.query(`select count(*)::int as n from pg_prepared_statements where statement like '%mm-probe%'`)).rows[0].n;
    for (let i = 0; i < 3; i++) await tenantStatement(single, a.tenantId, `select $1::int as n -- mm-probe`, [i]);
    expect(await prepared()).toBe(1);
  });

  it('prepares the tenant setting once per connection too, and each call still runs for its own tenant', async () => {
    const settings = async () =>
      (await single.query(`select name, generic_plans + custom_plans as runs from pg_prepared_statements where name like 'mm_set_tenant%' order by name`)).rows;
    const before = await settings();
    for (const [i, who] of [a, b, a, b].entries()) {
      const [row] = await tenantStatement<{ v: string }>(single, who.tenantId, `select current_setting('app.tenant_id') as v, $1::int -- mm-setting`, [i]);
      expect(row.v).toBe(who.tenantId);
    }
    const after = await settings();
    expect(after.map((r) => r.name)).toContain('mm_set_tenant');
    const runs = (rows: Array<{ name: string; runs: string }>) => Number(rows.find((r) => r.name === 'mm_set_tenant')?.runs ?? 0);
    expect(runs(after) - runs(before)).toBe(4);
    expect(await setting()).toBe('');
  });

  it('genericPlan: the prepared statement runs its generic plan from the first call, and the connection keeps the default', async () => {
    const plans = async () =>
      (await single.query(`select generic_plans::int as generic, custom_plans::int as custom from pg_prepared_statements where statement like '%mm-generic%'`))
        .rows[0];
    for (let i = 0; i < 3; i++) {
      const sql = `select current_setting('app.tenant_id') as v, current_setting('plan_cache_mode') as mode, $1::int as i -- mm-generic`;
      const [row] = await tenantStatement<{ v: string; mode: string; i: number }>(single, a.tenantId, sql, [i], { genericPlan: true });
      expect(row).toEqual({ v: a.tenantId, mode: 'force_generic_plan', i });
    }
    expect(await plans()).toEqual({ generic: 3, custom: 0 });
    expect((await single.query(`select current_setting('plan_cache_mode') as v`)).rows[0].v).toBe('auto');
    expect(await setting()).toBe('');
  });

  it('runs on the transaction of a unit of work in progress, seeing what it wrote', async () => {
    await expect(
      t.dbs.unitOfWork(a, async (tx) => {
        await tx.query(`insert into labels (tenant_id, name, colour) values ($1, 'uncommitted', '#112233')`, [a.tenantId]);
        const rows = await t.dbs.statementForTenant<{ name: string }>(a, `select name from labels where name = 'uncommitted'`, []);
        expect(rows).toHaveLength(1);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
  });
});
