import type { Client } from 'pg';

/** Every table of `schema` that has a tenant_id column. */
export async function tenantTables(c: Client, schema = 'public'): Promise<string[]> {
  const { rows } = await c.query(`select table_name from information_schema.columns where table_schema = $1 and column_name = 'tenant_id' order by 1`, [
    schema,
  ]);
  return rows.map((r) => r.table_name);
}

/** Every user table of the database, schema-qualified. */
export async function allTables(c: Client): Promise<string[]> {
  const { rows } = await c.query(
    `select format('%I.%I', table_schema, table_name) as t from information_schema.tables
     where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema') order by 1`,
  );
  return rows.map((r) => r.t);
}

/** How many rows of `table` mention `needle` anywhere in any column. */
export async function rowsMentioning(c: Client, table: string, needle: string): Promise<number> {
  const { rows } = await c.query(`select count(*)::int as n from ${table} t where strpos(t::text, $1) > 0`, [needle]);
  return rows[0].n;
}
