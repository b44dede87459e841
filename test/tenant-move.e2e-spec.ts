import type { Client } from 'pg';
import { planCitus } from '../src/database/citus-plan';
import { tenantMoveScripts } from '../src/database/tenant-move';
import { ownerClient } from './support/test-app';

/**
 * The offline move of a tenant between regions is psql scripts an operator runs (README,
 * Operations): checked here against a migrated region's catalog, so a new tenant table, or a new
 * generated column, is moved without anyone editing the procedure.
 */
describe('tenant move scripts', () => {
  const tenant = '11111111-2222-4333-8444-555555555555';
  let c: Client;
  beforeAll(async () => {
    c = await ownerClient('eu');
  });
  afterAll(() => c.end());

  it('copies every tenant table in foreign-key order, stored columns only, and deletes in reverse', async () => {
    const plan = await planCitus(c);
    const s = await tenantMoveScripts(c, tenant, 'ru');
    const tableOf = (line: string) => /"public"\."([a-z_]+)"/.exec(line)![1];
    const exported = s.exportSql.split('\n').filter((l) => l.startsWith('\\copy'));
    const imported = s.importSql.split('\n').filter((l) => l.startsWith('\\copy'));
    const deleted = s.deleteSourceSql.split('\n').filter((l) => l.startsWith('delete'));
    const order = plan.distributed.map((t) => t.replace('public.', ''));
    expect(exported.map(tableOf)).toEqual(order);
    expect(imported.map(tableOf)).toEqual(order);
    expect(deleted.map(tableOf)).toEqual([...order].reverse());
    for (const l of [...exported, ...deleted]) expect(l).toContain(`where tenant_id = '${tenant}'`);

    const { rows: generated } = await c.query(
      `select table_name, column_name from information_schema.columns where table_schema = 'public' and is_generated = 'ALWAYS'`,
    );
    expect(generated.length).toBeGreaterThan(0);
    for (const g of generated) {
      const line = imported.find((l) => tableOf(l) === g.table_name)!;
      expect({ line, hasGenerated: line.includes(g.column_name) }).toEqual({ line, hasGenerated: false });
    }
    const { rows: messageColumns } = await c.query(
      `select count(*)::int as n from information_schema.columns where table_schema = 'public' and table_name = 'messages' and is_generated = 'NEVER'`,
    );
    expect(
      imported
        .find((l) => tableOf(l) === 'messages')!
        .match(/\(([^)]*)\) from/)![1]
        .split(', '),
    ).toHaveLength(messageColumns[0].n);

    expect(s.importSql).toMatch(/^begin;\nset local session_replication_role = replica;$/m);
    expect(s.importSql).toContain(`update public.tenants set region = 'ru' where tenant_id = '${tenant}';`);
    expect(s.deleteSourceSql).toMatch(/^begin;\nset local session_replication_role = replica;$/m);
    for (const t of ['tenants', 'logins', 'channel_routes', 'integration_routes'])
      expect(s.directorySql).toContain(`update directory.${t} set region = 'ru' where tenant_id = '${tenant}';`);
  });

  it('refuses what is not a tenant id or a region name', async () => {
    await expect(tenantMoveScripts(c, "x' or true --", 'ru')).rejects.toThrow('not a tenant id');
    await expect(tenantMoveScripts(c, tenant, "ru'; drop")).rejects.toThrow('not a region name');
  });
});
