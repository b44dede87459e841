import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { DIRECTORY_MIGRATIONS, REGION_MIGRATIONS } from './migrations';

export interface AppRole {
  name: string;
  password: string;
}

// Fixed key: every instance of the app serialises schema changes on the same lock.
const MIGRATION_LOCK_KEY = 7_274_173_001;

/**
 * Brings one region's database to the current schema as the owner role and (re)grants the app
 * role. Safe to run from several instances at once: a session advisory lock serialises them.
 */
export async function migrateRegionDatabase(ownerUrl: string, opts: { hostsDirectory: boolean; appRole: AppRole }): Promise<void> {
  const lock = new Client({ connectionString: ownerUrl });
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await runMigrations(ownerUrl, REGION_MIGRATIONS, 'migrations');
    if (opts.hostsDirectory) await runMigrations(ownerUrl, DIRECTORY_MIGRATIONS, 'directory_migrations');
    await ensureAppRole(lock, opts.appRole);
    await grantAppRole(lock, opts.appRole.name, opts.hostsDirectory);
  } finally {
    await lock.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.end();
  }
}

async function runMigrations(url: string, migrations: Array<new () => unknown>, table: string): Promise<void> {
  const ds = new DataSource({
    type: 'postgres',
    url,
    migrations,
    migrationsTableName: table,
    migrationsTransactionMode: 'all',
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    synchronize: false,
    logging: false,
  });
  await ds.initialize();
  try {
    await ds.runMigrations();
  } finally {
    await ds.destroy();
  }
}

/**
 * Roles are cluster-wide while the advisory lock is per database, so two regions on one server
 * may race here: a duplicate or concurrently-updated role is simply retried.
 */
async function ensureAppRole(client: Client, role: AppRole): Promise<void> {
  const ident = quoteIdent(role.name);
  const password = quoteLiteral(role.password);
  for (let attempt = 1; ; attempt++) {
    try {
      const { rowCount } = await client.query('select 1 from pg_roles where rolname = $1', [role.name]);
      const verb = rowCount ? 'alter' : 'create';
      await client.query(`${verb} role ${ident} login nosuperuser nobypassrls nocreatedb nocreaterole password ${password}`);
      return;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (attempt >= 5 || !(code === '42710' || code === '23505' || code === 'XX000')) throw err;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}

async function grantAppRole(client: Client, roleName: string, hostsDirectory: boolean): Promise<void> {
  const role = quoteIdent(roleName);
  const { rows } = await client.query('select current_database() as db');
  await client.query(`grant connect on database ${quoteIdent(rows[0].db)} to ${role}`);
  await client.query(`grant usage on schema public to ${role}`);
  await client.query(`grant select, insert, update, delete on all tables in schema public to ${role}`);
  await client.query(`revoke all on table public.migrations from ${role}`);
  await client.query(`revoke update, delete, truncate on table public.audit_log from ${role}`); // append-only, whatever the grant above says
  await client.query(`grant usage on schema queue to ${role}`);
  await client.query(`grant select, insert, update, delete on all tables in schema queue to ${role}`);
  if (hostsDirectory) {
    await client.query(`grant usage on schema directory to ${role}`);
    await client.query(`grant select, insert, delete on all tables in schema directory to ${role}`);
    await client.query(`grant update on directory.deletion_requests to ${role}`);
    await client.query(`grant update on directory.auth_throttle to ${role}`);
    await client.query(`grant update (terminating_at, termination_code) on directory.tenants to ${role}`);
    await client.query(`revoke all on table public.directory_migrations from ${role}`);
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** The same server and database as `ownerUrl`, logged in as the app role. */
export function appRoleUrl(ownerUrl: string, role: AppRole): string {
  const url = new URL(ownerUrl);
  url.username = encodeURIComponent(role.name);
  url.password = encodeURIComponent(role.password);
  return url.toString();
}
