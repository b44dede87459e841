import type { Client } from 'pg';

/**
 * How a migrated region database maps onto a Citus cluster, read from its catalog: every tenant
 * table hash-distributed by tenant_id in one co-location group, the tables they refer to that have
 * no tenant_id (and the cross-tenant directory) as reference tables, the rest left on the
 * coordinator. Citus's rules that the schema must meet are checked here and reported as blockers
 * rather than discovered half-way through a distribution:
 * - a primary or unique key of a distributed table must contain the distribution column;
 * - a foreign key between distributed tables must pair the distribution columns of co-located tables;
 * - distributed and reference tables may refer to reference tables only (besides co-located ones);
 *   nothing may refer from a reference or coordinator-local table to a distributed one.
 * (docs.citusdata.com: "Creating and Modifying Distributed Objects", "Table Co-Location".)
 */

export const DISTRIBUTION_COLUMN = 'tenant_id';

/** Per-tenant rows live together on one worker with the tenant's own row: joins stay on one node. */
export const COLOCATION_ANCHOR = 'public.tenants';

/** Looked up across tenants by platform ids and logins, and small: every node gets a copy. */
const REFERENCE_SCHEMAS = new Set(['directory']);

/** Stay plain tables on the coordinator, with why. */
const LOCAL_TABLES: Record<string, string> = {
  'public.migrations': "the migrator's own bookkeeping",
  'public.directory_migrations': "the migrator's own bookkeeping",
};
const LOCAL_SCHEMAS: Record<string, string> = {
  // Citus routes SELECT … FOR UPDATE to one shard only; workers claim across tenants.
  queue: 'the work queue and its pacing, claimed across tenants with FOR UPDATE SKIP LOCKED',
};

export interface CitusPlan {
  /** In foreign-key order (referenced first); the first is the co-location anchor. */
  distributed: string[];
  /** In foreign-key order. */
  reference: string[];
  local: Array<{ table: string; reason: string }>;
  /** Why the schema could not be distributed as planned; the statements must not run while any remain. */
  blockers: string[];
  /** Reference tables first, then distributed ones, each after what it refers to. */
  statements: string[];
}

interface TableRow {
  name: string;
  tenant: boolean;
  tenant_not_null: boolean;
  tenant_type: string | null;
}
interface UniqueRow {
  tbl: string;
  idx: string;
  cols: string[];
}
interface ForeignRow {
  tbl: string;
  ref: string;
  con: string;
  cols: string[];
  ref_cols: string[];
}

type Queryable = Pick<Client, 'query'>;

export async function planCitus(db: Queryable): Promise<CitusPlan> {
  const tables = (
    await db.query<TableRow>(
      `select format('%s.%s', n.nspname, c.relname) as name, a.attnum is not null as tenant,
              coalesce(a.attnotnull, false) as tenant_not_null, format_type(a.atttypid, a.atttypmod) as tenant_type
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       left join pg_attribute a on a.attrelid = c.oid and a.attname = $1 and not a.attisdropped
       where c.relkind in ('r', 'p') and not c.relispartition
         and n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast', 'citus', 'columnar', 'columnar_internal')
         and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
       order by 1`,
      [DISTRIBUTION_COLUMN],
    )
  ).rows;
  const names = new Set(tables.map((t) => t.name));
  const uniques = (
    await db.query<UniqueRow>(
      `select format('%s.%s', n.nspname, t.relname) as tbl, ic.relname as idx,
              array(select coalesce(a.attname, '(expression)') from unnest(i.indkey) with ordinality k(attnum, ord)
                    left join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum order by k.ord)::text[] as cols
       from pg_index i join pg_class t on t.oid = i.indrelid join pg_class ic on ic.oid = i.indexrelid
       join pg_namespace n on n.oid = t.relnamespace
       where i.indisunique`,
    )
  ).rows.filter((u) => names.has(u.tbl));
  const foreign = (
    await db.query<ForeignRow>(
      `select format('%s.%s', n.nspname, c.relname) as tbl, format('%s.%s', rn.nspname, r.relname) as ref, con.conname as con,
              array(select a.attname from unnest(con.conkey) with ordinality k(attnum, ord)
                    join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum order by k.ord)::text[] as cols,
              array(select a.attname from unnest(con.confkey) with ordinality k(attnum, ord)
                    join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.attnum order by k.ord)::text[] as ref_cols
       from pg_constraint con
       join pg_class c on c.oid = con.conrelid join pg_namespace n on n.oid = c.relnamespace
       join pg_class r on r.oid = con.confrelid join pg_namespace rn on rn.oid = r.relnamespace
       where con.contype = 'f'
       order by 1, 3`,
    )
  ).rows.filter((f) => names.has(f.tbl) && names.has(f.ref));

  const kind = new Map<string, 'distributed' | 'reference' | 'local'>();
  const localReason = new Map<string, string>();
  for (const t of tables) {
    const schema = t.name.slice(0, t.name.indexOf('.'));
    const reason = LOCAL_TABLES[t.name] ?? LOCAL_SCHEMAS[schema];
    if (reason) {
      kind.set(t.name, 'local');
      localReason.set(t.name, reason);
    } else if (REFERENCE_SCHEMAS.has(schema)) kind.set(t.name, 'reference');
    else if (t.tenant) kind.set(t.name, 'distributed');
  }
  // A table without tenant_id that a distributed or reference table refers to must be on every node.
  for (let grew = true; grew;) {
    grew = false;
    for (const f of foreign) {
      const from = kind.get(f.tbl);
      if ((from === 'distributed' || from === 'reference') && !kind.has(f.ref)) {
        kind.set(f.ref, 'reference');
        grew = true;
      }
    }
  }
  for (const t of tables)
    if (!kind.has(t.name)) {
      kind.set(t.name, 'local');
      localReason.set(t.name, `no ${DISTRIBUTION_COLUMN} and no tenant table refers to it`);
    }

  const blockers: string[] = [];
  const byName = new Map(tables.map((t) => [t.name, t]));
  const distributedNames = tables.filter((t) => kind.get(t.name) === 'distributed').map((t) => t.name);
  const anchorType = byName.get(COLOCATION_ANCHOR)?.tenant_type ?? byName.get(distributedNames[0])?.tenant_type;
  for (const name of distributedNames) {
    const t = byName.get(name)!;
    if (!t.tenant_not_null) blockers.push(`${name}: ${DISTRIBUTION_COLUMN} is nullable (Citus cannot place a row without it)`);
    if (t.tenant_type !== anchorType) blockers.push(`${name}: ${DISTRIBUTION_COLUMN} is ${t.tenant_type}, not ${anchorType}: it cannot be co-located`);
  }
  for (const u of uniques)
    if (kind.get(u.tbl) === 'distributed' && !u.cols.includes(DISTRIBUTION_COLUMN))
      blockers.push(`${u.tbl}: unique index ${u.idx} (${u.cols.join(', ')}) does not contain ${DISTRIBUTION_COLUMN}`);
  for (const f of foreign) {
    const from = kind.get(f.tbl)!;
    const to = kind.get(f.ref)!;
    const what = `${f.tbl}: foreign key ${f.con} (${f.cols.join(', ')}) -> ${f.ref} (${f.ref_cols.join(', ')})`;
    if (from === 'distributed' && to === 'distributed') {
      const at = f.cols.indexOf(DISTRIBUTION_COLUMN);
      if (at < 0 || f.ref_cols[at] !== DISTRIBUTION_COLUMN) blockers.push(`${what} does not pair ${DISTRIBUTION_COLUMN} with ${DISTRIBUTION_COLUMN}`);
    } else if (to === 'distributed') blockers.push(`${what}: a ${from} table cannot refer to a distributed one`);
    else if (to === 'local' && from !== 'local') blockers.push(`${what}: a ${from} table cannot refer to one left on the coordinator`);
  }

  const ordered = (set: string[]): string[] => {
    const members = new Set(set);
    const out: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (name: string) => {
      if (state.get(name) === 'done') return;
      if (state.get(name) === 'visiting') {
        blockers.push(`${name}: foreign keys form a cycle through it`);
        return;
      }
      state.set(name, 'visiting');
      for (const f of foreign) if (f.tbl === name && f.ref !== name && members.has(f.ref)) visit(f.ref);
      state.set(name, 'done');
      out.push(name);
    };
    // The anchor first, so every later table can name it in colocate_with.
    for (const name of [...set].sort((a, b) => Number(b === COLOCATION_ANCHOR) - Number(a === COLOCATION_ANCHOR) || a.localeCompare(b))) visit(name);
    return out;
  };
  const reference = ordered(tables.filter((t) => kind.get(t.name) === 'reference').map((t) => t.name));
  const distributed = ordered(distributedNames);
  const anchor = distributed[0];
  const statements = [
    ...reference.map((t) => `select create_reference_table(${regclassLiteral(t)})`),
    ...distributed.map(
      (t) =>
        `select create_distributed_table(${regclassLiteral(t)}, ${quoteLiteral(DISTRIBUTION_COLUMN)}, colocate_with => ${
          t === anchor ? quoteLiteral('none') : regclassLiteral(anchor)
        })`,
    ),
  ];
  const local = tables.filter((t) => kind.get(t.name) === 'local').map((t) => ({ table: t.name, reason: localReason.get(t.name)! }));
  return { distributed, reference, local, blockers, statements };
}

/** The table a plan statement distributes, as written in it (schema.table). */
export function statementTable(statement: string): string {
  const m = /^select create_(?:distributed|reference)_table\('"((?:[^"]|"")+)"\."((?:[^"]|"")+)"'/.exec(statement);
  if (!m) throw new Error(`not a Citus plan statement: ${statement}`);
  return `${m[1].replace(/""/g, '"')}.${m[2].replace(/""/g, '"')}`;
}

/**
 * Distributes what is not yet distributed, when the database has the citus extension; does nothing
 * otherwise. Runs after every migration, so a table a later migration adds is distributed on the
 * next start. Refuses (throws, touching nothing) while the plan has blockers. Answers the
 * statements it ran.
 */
export async function distributeForCitus(db: Queryable): Promise<string[]> {
  const { rows: ext } = await db.query(`select 1 from pg_extension where extname = 'citus'`);
  if (!ext.length) return [];
  const plan = await planCitus(db);
  if (plan.blockers.length) throw new Error(`Citus: this schema cannot be distributed as planned:\n- ${plan.blockers.join('\n- ')}`);
  const { rows: done } = await db.query<{ name: string }>(
    `select format('%s.%s', n.nspname, c.relname) as name from pg_dist_partition p join pg_class c on c.oid = p.logicalrelid join pg_namespace n on n.oid = c.relnamespace`,
  );
  const pending = pendingStatements(plan, new Set(done.map((r) => r.name)));
  for (const statement of pending) await db.query(statement);
  return pending;
}

/** The plan's statements for tables Citus does not know yet. */
export function pendingStatements(plan: CitusPlan, alreadyInCitus: Set<string>): string[] {
  return plan.statements.filter((s) => !alreadyInCitus.has(statementTable(s)));
}

function regclassLiteral(qualified: string): string {
  const dot = qualified.indexOf('.');
  return quoteLiteral(`${quoteIdent(qualified.slice(0, dot))}.${quoteIdent(qualified.slice(dot + 1))}`);
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
