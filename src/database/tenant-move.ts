import type { Client } from 'pg';
import { planCitus } from './citus-plan';

export interface TenantMoveScripts {
  /** Run with psql against the source region: writes one CSV per tenant table into the directory. */
  exportSql: string;
  /** Run with psql against the target region, from the same directory. */
  importSql: string;
  /** Run with psql against the default region's database, after the import. */
  directorySql: string;
  /** Run with psql against the source region, after the target was checked. */
  deleteSourceSql: string;
}

/**
 * The psql scripts of an offline move of one tenant between regions (README, Operations): its
 * rows of every tenant table, in foreign-key order, with the stored columns only (generated ones
 * cannot be copied in, and are recomputed). Read from the source's catalog, so a table a later
 * migration adds is moved too. Triggers stay off during the import and the delete
 * (session_replication_role = replica): the copied rows are already complete, and the audit log
 * refuses deletes otherwise.
 */
export async function tenantMoveScripts(source: Pick<Client, 'query'>, tenantId: string, targetRegion: string): Promise<TenantMoveScripts> {
  if (!/^[0-9a-f-]{36}$/i.test(tenantId)) throw new Error(`not a tenant id: ${tenantId}`);
  if (!/^[a-z0-9_-]+$/i.test(targetRegion)) throw new Error(`not a region name: ${targetRegion}`);
  const plan = await planCitus(source);
  if (plan.blockers.length) throw new Error(`the schema has tenant tables without tenant_id in their keys:\n- ${plan.blockers.join('\n- ')}`);
  const tables: Array<{ table: string; file: string; columns: string }> = [];
  for (const qualified of plan.distributed) {
    const [schema, name] = qualified.split('.');
    const { rows } = await source.query<{ columns: string }>(
      `select string_agg(quote_ident(column_name), ', ' order by ordinal_position) as columns from information_schema.columns
       where table_schema = $1 and table_name = $2 and is_generated = 'NEVER'`,
      [schema, name],
    );
    tables.push({ table: `${quoteIdent(schema)}.${quoteIdent(name)}`, file: `${schema}.${name}.csv`, columns: rows[0].columns });
  }
  const where = `tenant_id = '${tenantId}'`;
  const triggersOff = 'begin;\nset local session_replication_role = replica;';
  return {
    exportSql: ['\\set ON_ERROR_STOP on', ...tables.map((t) => `\\copy (select ${t.columns} from ${t.table} where ${where}) to '${t.file}' csv`), ''].join(
      '\n',
    ),
    importSql: [
      '\\set ON_ERROR_STOP on',
      triggersOff,
      ...tables.map((t) => `\\copy ${t.table} (${t.columns}) from '${t.file}' csv`),
      // The region database keeps its own copy of the tenant's region.
      `update public.tenants set region = '${targetRegion}' where ${where};`,
      'commit;',
      '',
    ].join('\n'),
    directorySql: [
      '\\set ON_ERROR_STOP on',
      'begin;',
      ...['tenants', 'logins', 'channel_routes', 'integration_routes'].map((t) => `update directory.${t} set region = '${targetRegion}' where ${where};`),
      'commit;',
      '',
    ].join('\n'),
    deleteSourceSql: ['\\set ON_ERROR_STOP on', triggersOff, ...[...tables].reverse().map((t) => `delete from ${t.table} where ${where};`), 'commit;', ''].join(
      '\n',
    ),
  };
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
